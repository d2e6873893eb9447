import Glibc

/// Why a command did not give a usable answer. Each case carries the argv, so a log line alone
/// says which command on which node misbehaved.
public enum CommandError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The executable is not installed (ENOENT, or not on PATH nor in the sbin directories).
    case notFound(command: [String])
    /// The command ran past its bound and was killed with SIGKILL (and reaped).
    case timedOut(command: [String], after: Duration)
    /// The command exited non-zero; `stderr` is the end of what it printed there.
    case failed(command: [String], status: Int32, stderr: String)
    /// posix_spawn or the plumbing around it failed for another reason (EMFILE, EAGAIN, ...).
    case launchFailed(command: [String], errno: Int32)

    public var command: [String] {
        switch self {
        case let .notFound(command), let .timedOut(command, _), let .failed(command, _, _),
             let .launchFailed(command, _):
            return command
        }
    }

    public var description: String {
        let shown = command.joined(separator: " ")
        switch self {
        case .notFound:
            return "`\(shown)`: \(command.first ?? "") not found (is its package installed?)"
        case let .timedOut(_, after):
            return "`\(shown)` did not finish within \(after) and was killed"
        case let .failed(_, status, stderr):
            let text = stderr.trimmingASCIISpaces()
            return "`\(shown)` failed with status \(status)"
                + (text.isEmpty ? " (no stderr)" : ": \(text)")
        case let .launchFailed(_, code):
            return "`\(shown)` could not be started: \(String(cString: strerror(code)))"
        }
    }
}
