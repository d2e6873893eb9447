import Glibc

/// Runs a blocking C call on a thread of its own, so that it never parks one of the cooperative
/// pool's threads (two on this kind of machine): `zookeeper_close` joins the library's threads
/// and `zookeeper_init` may resolve host names.
enum DedicatedThread {
    private final class Job: @unchecked Sendable {
        // Written once by the worker thread before `resume`, read after: no concurrent access.
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
            let job = Job { continuation.resume(returning: body()) }
            if !start(job) {
                // No thread could be made (resource exhaustion): run it here rather than never.
                job.body()
            }
        }
    }

    private static func start(_ job: Job) -> Bool {
        let unmanaged = Unmanaged.passRetained(job)
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let rc = pthread_create(&thread, &attributes, { raw in
            guard let raw else { return nil }
            Unmanaged<Job>.fromOpaque(raw).takeRetainedValue().body()
            return nil
        }, unmanaged.toOpaque())
        if rc != 0 {
            unmanaged.release()
            return false
        }
        return true
    }
}
