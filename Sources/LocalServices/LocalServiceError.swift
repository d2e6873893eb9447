import Foundation

/// Failures of the local-service helpers. Every case names the command that failed and carries
/// what the script said on stderr, because a test that cannot start its ZooKeeper is only
/// debuggable from the script's own diagnostics (port in use, JVM crash, log tail).
public enum LocalServiceError: Error, CustomStringConvertible {
    /// Neither `PVC_SCRIPTS_DIR` nor the source-relative `scripts/` directory holds the script.
    case scriptNotFound(name: String, searched: [String])
    /// The script could not even be launched (no bash, no permission, ...).
    case launchFailed(command: String, reason: String)
    /// The script ran and reported failure.
    case commandFailed(command: String, status: Int32, stderr: String)
    /// The script did not finish in time and was killed.
    case timedOut(command: String, seconds: Double, stderr: String)
    /// The script succeeded but printed something this library cannot use.
    case unexpectedOutput(command: String, output: String)
    /// A four-letter word could not be sent or answered.
    case fourLetterWordFailed(word: String, address: String, reason: String)
    /// A caller passed a value the script would reject anyway (caught early for a clearer message).
    case invalidArgument(String)
    /// The temporary directory for a server could not be made.
    case temporaryDirectoryFailed(path: String, errno: Int32)

    public var description: String {
        switch self {
        case let .scriptNotFound(name, searched):
            return "\(name) not found (looked in: \(searched.joined(separator: ", "))); "
                + "set PVC_SCRIPTS_DIR to the project's scripts directory"
        case let .launchFailed(command, reason):
            return "could not run `\(command)`: \(reason)"
        case let .commandFailed(command, status, stderr):
            return "`\(command)` failed with status \(status)" + Self.stderrSuffix(stderr)
        case let .timedOut(command, seconds, stderr):
            return "`\(command)` did not finish within \(seconds) s and was killed"
                + Self.stderrSuffix(stderr)
        case let .unexpectedOutput(command, output):
            return "`\(command)` printed unexpected output: \(output.debugDescription)"
        case let .fourLetterWordFailed(word, address, reason):
            return "four-letter word '\(word)' to \(address) failed: \(reason)"
        case let .invalidArgument(message):
            return message
        case let .temporaryDirectoryFailed(path, errno):
            return "could not create a temporary directory like \(path) (errno \(errno))"
        }
    }

    private static func stderrSuffix(_ stderr: String) -> String {
        let trimmed = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? " (no stderr)" : "; stderr:\n\(trimmed)"
    }
}
