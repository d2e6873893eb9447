import Foundation

/// Runs blocking work (waiting for a script, socket I/O) on a thread of its own. The cooperative
/// pool has as many threads as cores (two on the test machines); parking one of them for the
/// second or so a ZooKeeper start takes would stall every other test in the process.
enum OwnThread {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let thread = Thread {
                continuation.resume(with: Result { try body() })
            }
            thread.name = "LocalServices"
            thread.start()
        }
    }
}
