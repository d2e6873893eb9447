#if canImport(Glibc)
import Glibc
#endif

/// A /proc file read whole, with read(2) to end of file. These files report size 0 and the kernel
/// hands out a seq_file (net/tcp, PID/maps) a page at a time, so Foundation's readers, which stop
/// after one read of a file that says it is empty, see only the first page (about 27 lines of a
/// TCP table).
public enum ProcFile {
    /// Nil when the file cannot be opened (the process is gone) or a read fails.
    public static func bytes(_ path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                bytes.append(contentsOf: chunk[0..<count])
            } else if count == 0 {
                return bytes
            } else if errno != EINTR {
                return nil
            }
        }
    }

    public static func text(_ path: String) -> String? {
        bytes(path).map { String(decoding: $0, as: UTF8.self) }
    }
}
