#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the daemon reads of its own process, straight from libc: Foundation's `ProcessInfo`
/// would link ~8 MiB of libraries into a daemon whose resident target is 20 MiB.
enum ProcessEnvironment {
    static func value(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// Processors online, as PVC's `staticdata` reports them; 0 if the system cannot say.
    static var processorCount: Int {
        max(0, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }

    /// Seconds since the epoch, PVC's keepalive timestamp.
    static var epochSeconds: Int {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return now.tv_sec
    }

    /// One whole line to stderr, for what must be said before (or outside) logging.
    static func writeStandardError(_ line: String) {
        LogFile.standardError.append(line.hasSuffix("\n") ? line : line + "\n")
    }
}

extension StringProtocol {
    /// The text without leading and trailing whitespace (PVC writes versions with a newline now and then).
    var trimmingWhitespace: SubSequence {
        var start = startIndex
        var end = endIndex
        while start < end, self[start].isWhitespace { start = index(after: start) }
        while end > start, self[index(before: end)].isWhitespace { end = index(before: end) }
        return self[start..<end]
    }
}
