import Glibc

/// Runs blocking work on a pthread of its own, off the cooperative pool (two threads on the test
/// machines): the C library's baseline must not borrow the Swift runtime's threads.
enum BenchThread {
    private final class Job: @unchecked Sendable {
        // Set once before the thread starts, run once on it: no concurrent access.
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job { continuation.resume(with: Result { try body() }) }
            let unmanaged = Unmanaged.passRetained(job)
            var attributes = pthread_attr_t()
            pthread_attr_init(&attributes)
            defer { pthread_attr_destroy(&attributes) }
            pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
            var thread = pthread_t()
            let rc = pthread_create(&thread, &attributes, { raw in
                guard let raw else { return nil }
                let job = Unmanaged<Job>.fromOpaque(raw).takeRetainedValue()
                job.body()
                return nil
            }, unmanaged.toOpaque())
            if rc != 0 {
                unmanaged.release()
                continuation.resume(throwing: BenchError("pthread_create failed (\(rc))"))
            }
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
