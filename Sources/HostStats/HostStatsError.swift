/// What went wrong reading the host's own statistics; the keepalive logs it and reports the last
/// good value rather than a guess.
public enum HostStatsError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(source: String, errno: Int32)
    case malformed(source: String, detail: String)

    public var description: String {
        switch self {
        case .unreadable(let source, let errno): return "cannot read \(source): errno \(errno)"
        case .malformed(let source, let detail): return "unexpected content in \(source): \(detail)"
        }
    }
}
