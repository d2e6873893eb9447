import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Stops a process-wide test service synchronously at exit: `SCRIPT stop DIR` through
/// posix_spawn and waitpid rather than Foundation's Process, whose completion machinery may
/// already be going away while the process exits, then removes DIR (the shared services make it
/// under the temporary directory).
enum ExitStop {
    static func run(script name: String, directory: String) {
        guard let script = try? Script.path(of: name) else { return }
        let arguments = [Script.bash, script, "stop", directory]
        var cArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        cArguments.append(nil)
        defer { cArguments.forEach { free($0) } }

        // Whichever thread calls exit() may block most signals (Dispatch threads do); the stop
        // script should not inherit that.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))

        var pid: pid_t = 0
        let rc = cArguments.withUnsafeBufferPointer { argv -> Int32 in
            guard let argvBase = argv.baseAddress else { return EINVAL }
            return posix_spawn(&pid, Script.bash, nil, &attributes, argvBase, environ)
        }
        if rc == 0 {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
