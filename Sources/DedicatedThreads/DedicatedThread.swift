import Glibc
import Synchronization

/// Runs a blocking C call on a thread of its own, so that it never parks one of the cooperative
/// pool's threads (two on this kind of machine): `zookeeper_close` joins the library's threads,
/// `zookeeper_init` may resolve host names, and libvirt and librados calls are RPCs.
public enum DedicatedThread {
    private final class Job: @unchecked Sendable {
        // Written once by the worker thread before `resume`, read after: no concurrent access.
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    public static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
            let job = Job { continuation.resume(returning: body()) }
            if !start(job) {
                // No thread could be made (resource exhaustion): run it here rather than never.
                job.body()
            }
        }
    }

    /// `run` for a body that throws.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await run { Result { try body() } }.get()
    }

    /// Like `run`, but gives up after `timeout` and returns nil; a result that comes later is
    /// handed to `late` (to close a handle nobody will use). For calls that may block for longer
    /// than their caller can wait, such as a host name lookup against a dead name server.
    public static func run<T: Sendable>(timeout: Duration, _ body: @escaping @Sendable () -> T,
                                 late: @escaping @Sendable (T) -> Void) async -> T? {
        let race = Race<T>()
        return await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
            race.attach(continuation)
            let timer = Task {
                // A cancelled sleep returns early: only a sleep that ran its course is a timeout.
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                race.finish(nil)
            }
            let job = Job {
                let value = body()
                if !race.finish(value) { late(value) }
                timer.cancel()
            }
            if !start(job) { job.body() }
        }
    }

    /// The first of a result and a timeout to arrive resumes the waiter.
    private final class Race<T: Sendable>: Sendable {
        private let waiter = Mutex<CheckedContinuation<T?, Never>?>(nil)

        func attach(_ continuation: CheckedContinuation<T?, Never>) {
            waiter.withLock { $0 = continuation }
        }

        /// True when this outcome was the one delivered.
        @discardableResult
        func finish(_ value: T?) -> Bool {
            guard let continuation = waiter.withLock({ slot -> CheckedContinuation<T?, Never>? in
                defer { slot = nil }
                return slot
            }) else { return false }
            continuation.resume(returning: value)
            return true
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
