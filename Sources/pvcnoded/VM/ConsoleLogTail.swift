#if canImport(Glibc)
import Glibc
#endif

/// The last lines of a VM's serial console log (`<console_log_directory>/<name>.log`, where the
/// domain XML's `<log file=.../>` sends it), for `/domains/U/consolelog`. The file is only read
/// when its size or modification time changed since the last look.
struct ConsoleLogTail: Sendable {
    var directory: String
    var name: String
    /// `logging.console_log_lines`.
    var lines: Int
    /// How much of the file's end is read at most: lines beyond it would be cut anyway, and a
    /// runaway console must not make the keepalive's neighbour read megabytes.
    var maximumBytes = 256 * 1024

    struct Snapshot: Sendable, Equatable {
        var size: Int
        var modifiedSeconds: Int
        var modifiedNanoseconds: Int
        var text: String
    }

    var path: String { directory.hasSuffix("/") ? directory + name + ".log" : directory + "/" + name + ".log" }

    /// nil when the file is missing, unreadable, or unchanged since `previous`.
    func read(unless previous: Snapshot?) -> Snapshot? {
        guard !name.contains("/") else { return nil }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        let size = Int(status.st_size)
        let seconds = Int(status.st_mtim.tv_sec)
        let nanoseconds = Int(status.st_mtim.tv_nsec)
        if let previous, previous.size == size, previous.modifiedSeconds == seconds,
           previous.modifiedNanoseconds == nanoseconds {
            return nil
        }
        let start = max(0, size - maximumBytes)
        var bytes = [UInt8](repeating: 0, count: size - start)
        var filled = 0
        while filled < bytes.count {
            let count = bytes.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress.map { $0 + filled }, buffer.count - filled, off_t(start + filled))
            }
            if count <= 0 { break }
            filled += count
        }
        let text = Self.lastLines(bytes.prefix(filled), count: lines, droppingFirst: start > 0)
        return Snapshot(size: size, modifiedSeconds: seconds, modifiedNanoseconds: nanoseconds, text: text)
    }

    /// The last `count` lines; undecodable bytes become U+FFFD rather than failing (PVC truncated
    /// the whole file instead). A read that started mid-file drops its first, partial line.
    static func lastLines(_ bytes: ArraySlice<UInt8>, count: Int, droppingFirst: Bool) -> String {
        var slice = bytes
        if droppingFirst, let newline = slice.firstIndex(of: UInt8(ascii: "\n")) {
            slice = slice[slice.index(after: newline)...]
        }
        var end = slice.endIndex
        if end > slice.startIndex, slice[slice.index(before: end)] == UInt8(ascii: "\n") { end -= 1 }
        var start = end
        var seen = 0
        while start > slice.startIndex {
            let previous = slice.index(before: start)
            if slice[previous] == UInt8(ascii: "\n") {
                seen += 1
                if seen == count { break }
            }
            start = previous
        }
        return String(decoding: slice[start..<end], as: UTF8.self)
    }
}
