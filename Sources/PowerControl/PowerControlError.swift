/// Why a BMC did not do (or say) what was asked. No case carries the password: ipmitool never
/// sees it on its command line, so neither its argv nor its stderr can echo it back.
public enum PowerControlError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The configured BMC address is empty or not a host, `host:port` or `[v6]:port`.
    case badAddress(String)
    /// ipmitool exited non-zero: no answer, or a session the BMC refused (wrong user, password
    /// or cipher suite), or a command it rejected. `detail` is the first line of ipmitool's
    /// stderr, plus whether the BMC answered at all (see `IPMIPowerControl`).
    case unreachable(detail: String)
    /// ipmitool did not finish within the call's bound and was killed (with its process group).
    case timedOut(after: Duration)
    /// `chassis power status` succeeded but said neither on nor off (trimmed, at most 200
    /// characters).
    case unexpectedOutput(String)
    /// ipmitool is not installed (nor on PATH nor in the sbin directories).
    case toolMissing(String)

    public var description: String {
        switch self {
        case let .badAddress(text):
            return "bad BMC address \"\(text)\" (expected host, host:port or [ipv6]:port)"
        case let .unreachable(detail):
            return "BMC did not do what was asked: \(detail)"
        case let .timedOut(after):
            return "ipmitool did not finish within \(after) and was killed"
        case let .unexpectedOutput(text):
            return "BMC power status is neither on nor off: \"\(text)\""
        case let .toolMissing(detail):
            return "cannot fence through a BMC: \(detail)"
        }
    }
}
