#if canImport(Glibc)
import Glibc
#endif

/// Replaces the running daemon by a fresh start of the same binary with the same arguments, in the
/// same process (PVC's `os.execv`): watches and resolved paths cannot be re-pointed to a new
/// schema, a fresh start resolves them all again.
enum Reexecution {
    /// Counts re-executions of this process, logged at start so a test or an operator can tell a
    /// re-executed daemon from a restarted one (the PID stays the same).
    static let counterVariable = "PVCNODED_REEXECUTIONS"

    enum Failure: Error {
        /// SIGTERM or SIGINT is pending: the operator asked for a stop, which a fresh image would
        /// meet before it handles signals (the runtime unblocks them before `main`) and die of.
        case stopRequested
        /// `execv` failed with this errno.
        case execFailed(Int32)
    }

    static var count: Int {
        ProcessEnvironment.value(counterVariable).flatMap { Int($0) } ?? 0
    }

    /// Returns only when the process was not replaced. From the moment the signals are blocked on
    /// this thread until `execv`, a SIGTERM stays pending instead of reaching the old image's
    /// handler (which would be replaced before acting on it) and is seen by the pending check;
    /// one that another thread took just before is visible to the caller's graceful-shutdown
    /// check, made after this returns `stopRequested` or before it is called.
    static func execute() -> Failure {
        var stopping = sigset_t()
        sigemptyset(&stopping)
        for signalNumber in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&stopping, signalNumber) }
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &stopping, &previous)
        var pending = sigset_t()
        sigpending(&pending)
        if sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1 {
            pthread_sigmask(SIG_SETMASK, &previous, nil)
            return .stopRequested
        }
        setenv(counterVariable, String(count + 1), 1)
        // An ignored SIGHUP (the log reopen source) would stay ignored across execv; the new image
        // installs its own handling, as at a fresh start.
        signal(SIGHUP, SIG_DFL)
        fflush(nil)
        let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
        defer { for argument in arguments { free(argument) } }
        arguments.withUnsafeBufferPointer { buffer in
            if let argv = buffer.baseAddress { _ = execv("/proc/self/exe", argv) }
        }
        let error = errno
        pthread_sigmask(SIG_SETMASK, &previous, nil)
        return .execFailed(error)
    }
}
