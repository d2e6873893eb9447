import Glibc

/// One blocking run of a child process: spawn, drain its output, wait with a deadline, reap.
/// Only for `CommandRunner`, which calls it on a dedicated thread.
enum ChildProcess {
    /// `environment` is added to this process's environment (its values win) for the child.
    static func run(
        _ argv: [String], timeout: Duration, fallbackDirectories: [String],
        environment: [String: String] = [:]
    ) throws(CommandError) -> CommandOutput {
        guard let name = argv.first, !name.isEmpty else {
            throw .launchFailed(command: argv, errno: EINVAL)
        }
        guard let executable = resolve(name, fallbackDirectories: fallbackDirectories) else {
            throw .notFound(command: argv)
        }

        // Close-on-exec so that other commands do not inherit our ends. Glibc's module map
        // hides pipe2, so there is a window in which a concurrent spawn can still inherit one;
        // harmless, because the child's exit is seen through waitpid, not through EOF.
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        guard pipe(&outPipe) == 0 else { throw .launchFailed(command: argv, errno: errno) }
        guard pipe(&errPipe) == 0 else {
            let code = errno
            close(outPipe[0]); close(outPipe[1])
            throw .launchFailed(command: argv, errno: code)
        }
        for fd in outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var readEnds = [outPipe[0], errPipe[0]]
        defer { for fd in readEnds where fd >= 0 { close(fd) } }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)

        // The spawning thread may block most signals (threads made from the cooperative pool
        // inherit Dispatch's mask) and the daemon may ignore SIGPIPE; a child must start clean.
        // Its own process group lets a timeout kill whatever it started too.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes,
            Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
        cArguments.append(nil)
        defer { for pointer in cArguments { free(pointer) } }

        // Built before the spawn and only when asked for: the common case passes `environ` as is.
        var cEnvironment: [UnsafeMutablePointer<CChar>?] = []
        if !environment.isEmpty {
            cEnvironment = mergedEnvironment(environment).map { strdup($0) }
            cEnvironment.append(nil)
        }
        defer { for pointer in cEnvironment { free(pointer) } }

        var pid: pid_t = 0
        let spawned = cEnvironment.isEmpty
            ? posix_spawn(&pid, executable, &actions, &attributes, cArguments, environ)
            : posix_spawn(&pid, executable, &actions, &attributes, cArguments, cEnvironment)
        close(outPipe[1])
        close(errPipe[1])
        guard spawned == 0 else {
            if spawned == ENOENT { throw .notFound(command: argv) }
            throw .launchFailed(command: argv, errno: spawned)
        }

        for fd in readEnds {
            let flags = fcntl(fd, F_GETFL, 0)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        }
        var stdout = OutputBuffer(limit: CommandRunner.stdoutLimit, keepsTail: false)
        var stderr = OutputBuffer(limit: CommandRunner.stderrLimit, keepsTail: true)
        let deadline = Clock.now() + timeout.nanoseconds

        var waitStatus: Int32 = 0
        while true {
            let reaped = waitpid(pid, &waitStatus, WNOHANG)
            if reaped == pid || (reaped < 0 && errno == ECHILD) {
                // Whatever it wrote is in the pipes now; a grandchild that kept them open is
                // not waited for.
                drain(&readEnds[0], into: &stdout)
                drain(&readEnds[1], into: &stderr)
                break
            }
            let remaining = deadline - Clock.now()
            if remaining <= 0 {
                kill(-pid, SIGKILL)
                kill(pid, SIGKILL)
                while waitpid(pid, &waitStatus, 0) < 0 && errno == EINTR {}
                throw .timedOut(command: argv, after: timeout)
            }
            // Short slices: the child's exit is seen by polling waitpid, not by EOF alone.
            let slice = Int32(min(remaining / 1_000_000 + 1, 20))
            var entries = readEnds.filter { $0 >= 0 }.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if entries.isEmpty {
                usleep(UInt32(slice) * 1000)
                continue
            }
            let ready = poll(&entries, nfds_t(entries.count), slice)
            if ready > 0 {
                drain(&readEnds[0], into: &stdout)
                drain(&readEnds[1], into: &stderr)
            }
        }

        return CommandOutput(
            command: argv, status: decode(waitStatus),
            stdout: stdout.text, stderr: stderr.text)
    }

    /// This process's environment as NAME=VALUE strings, with `extra`'s names replaced or added.
    static func mergedEnvironment(_ extra: [String: String]) -> [String] {
        var merged: [String] = []
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            let name = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first
                .map(String.init) ?? text
            if extra[name] == nil { merged.append(text) }
            entry += 1
        }
        for (name, value) in extra.sorted(by: { $0.key < $1.key }) {
            merged.append(name + "=" + value)
        }
        return merged
    }

    /// PATH first, then the sbin directories; nil when nothing executable has that name.
    static func resolve(_ name: String, fallbackDirectories: [String]) -> String? {
        if name.contains("/") { return name }
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
        let directories = path.split(separator: ":").map(String.init) + fallbackDirectories
        for directory in directories where !directory.isEmpty {
            let candidate = directory + "/" + name
            var info = stat()
            if stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG,
               access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        return nil
    }

    /// Reads what is there without blocking; closes (and forgets) the descriptor at EOF.
    private static func drain(_ fd: inout Int32, into buffer: inout OutputBuffer) {
        guard fd >= 0 else { return }
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                buffer.append(chunk[0..<count])
            } else if count == 0 {
                close(fd)
                fd = -1
                return
            } else if errno == EINTR {
                continue
            } else {
                return
            }
        }
    }

    /// Exit code, or 128 + signal as shells report a killed command (WIFEXITED and friends are
    /// macros Swift does not import).
    private static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    private enum Clock {
        static func now() -> Int64 {
            var spec = timespec()
            clock_gettime(CLOCK_MONOTONIC, &spec)
            return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
        }
    }
}

/// Captured output, bounded: stdout keeps its head (the part parsers read), stderr its tail.
private struct OutputBuffer {
    let limit: Int
    let keepsTail: Bool
    private(set) var bytes: [UInt8] = []

    init(limit: Int, keepsTail: Bool) {
        self.limit = limit
        self.keepsTail = keepsTail
    }

    mutating func append(_ chunk: ArraySlice<UInt8>) {
        if keepsTail {
            bytes.append(contentsOf: chunk)
            if bytes.count > limit { bytes.removeFirst(bytes.count - limit) }
        } else if bytes.count < limit {
            bytes.append(contentsOf: chunk.prefix(limit - bytes.count))
        }
    }

    var text: String { String(decoding: bytes, as: UTF8.self) }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
