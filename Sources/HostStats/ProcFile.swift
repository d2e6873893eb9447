import Glibc

/// Reads a small file under /proc in one go. /proc files report a size of 0, so this reads until
/// end of file rather than trusting stat; a bounded buffer keeps a misbehaving file from growing
/// the keepalive's memory.
enum ProcFile {
    static let maxBytes = 64 * 1024

    static func read(_ path: String) throws(HostStatsError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HostStatsError.unreadable(source: path, errno: errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < maxBytes {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw HostStatsError.unreadable(source: path, errno: errno)
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
