import Foundation

#if canImport(Glibc)
import Glibc
#endif

struct TestTimedOut: Error, CustomStringConvertible {
    let limit: Duration
    var description: String { "gave up after \(limit)" }
}

/// Runs `body`, failing the test instead of hanging it when `body` takes longer than `limit`.
func withTimeout<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw TestTimedOut(limit: limit)
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw TestTimedOut(limit: limit) }
        return first
    }
}

/// A unix socket that listens but never accepts: connections sit in the backlog and no byte
/// is ever answered, as with a hung daemon.
final class SilentUnixListener: @unchecked Sendable {
    let path: String
    private let descriptor: Int32

    struct Failed: Error { let what: String; let code: Int32 }

    init() throws {
        path = "/tmp/pvc-silent-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failed(what: "socket", code: errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() where index < raw.count - 1 { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { let code = errno; Glibc.close(descriptor); throw Failed(what: "bind", code: code) }
        guard listen(descriptor, 16) == 0 else { let code = errno; Glibc.close(descriptor); throw Failed(what: "listen", code: code) }
    }

    func close() {
        Glibc.close(descriptor)
        unlink(path)
    }
}
