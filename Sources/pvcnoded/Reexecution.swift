import Foundation

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

    static var count: Int {
        ProcessInfo.processInfo.environment[counterVariable].flatMap { Int($0) } ?? 0
    }

    /// Returns only when `execv` failed, with its errno.
    static func execute() -> Int32 {
        setenv(counterVariable, String(count + 1), 1)
        // The cooperative pool's threads block signals, and a signal mask survives execv: the new
        // image must start with none blocked, and with the default dispositions, as a fresh start.
        var none = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, nil)
        for signalNumber in [SIGTERM, SIGINT, SIGHUP] { signal(signalNumber, SIG_DFL) }
        fflush(nil)
        let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
        defer { for argument in arguments { free(argument) } }
        arguments.withUnsafeBufferPointer { buffer in
            if let argv = buffer.baseAddress { _ = execv("/proc/self/exe", argv) }
        }
        return errno
    }
}
