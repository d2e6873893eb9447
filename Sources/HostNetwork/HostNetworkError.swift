/// Why a `HostNetwork` call did not do what it was asked.
public enum HostNetworkError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The `ip` command behind the call failed, timed out or is missing.
    case command(CommandError)
    /// The address IS configured, but the gratuitous ARP that tells the segment where it moved
    /// failed; until neighbours' caches expire, traffic may still go to the old primary.
    /// Repeating `add` is safe and retries the announcement.
    case announcementFailed(FloatingAddress, reason: String)
    /// A command succeeded but printed something this parser does not understand.
    case unexpectedOutput(command: [String], output: String)

    public var description: String {
        switch self {
        case let .command(error):
            return error.description
        case let .announcementFailed(address, reason):
            return "\(address) is configured but could not be announced: \(reason)"
        case let .unexpectedOutput(command, output):
            return "`\(command.joined(separator: " "))` printed unexpected output: \(output.debugDescription)"
        }
    }
}
