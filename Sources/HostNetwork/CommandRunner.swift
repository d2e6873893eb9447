import DedicatedThreads
import Glibc

/// Runs external commands (argv, never a shell) with a bound on how long each may take.
///
/// The wait happens on a thread of its own (`DedicatedThread`): the cooperative pool has two
/// threads on the target machines, and an `ip` stuck on a wedged netlink socket must not take
/// one of them with it. On timeout the child's whole process group is SIGKILLed and reaped, so
/// nothing it started outlives the bound.
public struct CommandRunner: Sendable {
    /// Put in front of every argv, e.g. `["ip", "netns", "exec", "ns1"]` to run the same
    /// commands inside a network namespace (what the tests do).
    public var prefix: [String]
    /// The bound for calls that do not give their own.
    public var defaultTimeout: Duration
    /// Directories searched after PATH: `ip` and `arping` live in /usr/sbin, which a daemon
    /// started with a user's PATH may not have.
    public var fallbackDirectories: [String] = ["/usr/local/sbin", "/usr/sbin", "/sbin"]

    /// Output beyond these is dropped (stdout's tail, stderr's head) so a runaway command cannot
    /// grow the daemon's memory.
    public static let stdoutLimit = 1 << 20
    public static let stderrLimit = 8 << 10

    public init(prefix: [String] = [], defaultTimeout: Duration = .seconds(5)) {
        self.prefix = prefix
        self.defaultTimeout = defaultTimeout
    }

    /// Runs `arguments` and returns its output whatever its exit status; throws only when there
    /// is no status to report (not found, timed out, could not start).
    ///
    /// `environment` is added to (and overrides) this process's environment for the child only:
    /// the way to hand a command a secret (ipmitool's IPMI_PASSWORD) without putting it on a
    /// command line, which every user can read in /proc/PID/cmdline.
    public func output(
        _ arguments: [String], timeout: Duration? = nil, environment: [String: String] = [:]
    ) async throws(CommandError) -> CommandOutput {
        let argv = prefix + arguments
        let bound = timeout ?? defaultTimeout
        let directories = fallbackDirectories
        let result = await DedicatedThread.run { () -> Result<CommandOutput, CommandError> in
            Result { () throws(CommandError) -> CommandOutput in
                try ChildProcess.run(
                    argv, timeout: bound, fallbackDirectories: directories, environment: environment)
            }
        }
        return try result.get()
    }

    /// Like `output`, but a non-zero exit status is an error too.
    @discardableResult
    public func run(
        _ arguments: [String], timeout: Duration? = nil, environment: [String: String] = [:]
    ) async throws(CommandError) -> CommandOutput {
        let result = try await output(arguments, timeout: timeout, environment: environment)
        guard result.succeeded else {
            throw .failed(command: result.command, status: result.status, stderr: result.stderr)
        }
        return result
    }
}
