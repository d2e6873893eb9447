import DedicatedThreads
import CZooKeeper
import Glibc
import Synchronization

/// The baseline: the same workloads through libzookeeper_mt directly, with a handle of its own,
/// driven from a pthread of its own (never the cooperative pool). Pipelined: `zoo_aset` completions
/// post a counting semaphore that bounds the requests in flight, the C equivalent of the Swift task
/// group. Sequential: the library's synchronous `zoo_get` / `zoo_set`.
final class CLibraryBaseline: @unchecked Sendable {
    // Used by one thread at a time: each call below is awaited before the next starts.
    private let zh: OpaquePointer
    private let session: CSession
    /// Windows whose completions may still be outstanding (after a timeout): kept until the
    /// handle is closed, after which the library calls nothing.
    private var retired: [CWindow] = []
    private var closed = false

    private init(zh: OpaquePointer, session: CSession) {
        self.zh = zh
        self.session = session
    }

    /// Opens a handle and waits (at most `timeout`) for ZOO_CONNECTED_STATE.
    /// `resolutionDelayMs`: passed to `zoo_set_servers_resolution_delay` when not nil. Unset, the
    /// library re-resolves the host list (getaddrinfo, a netlink dump, /dev/urandom) every time its
    /// IO thread polls, about twice per request, as the Swift client's handle does today.
    static func connect(_ connectString: String, timeout: Duration,
                        resolutionDelayMs: Int32? = nil) async throws -> CLibraryBaseline {
        try await DedicatedThread.run {
            zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR)
            let session = CSession()
            let context = Unmanaged.passUnretained(session).toOpaque()
            guard let zh = zookeeper_init(connectString, cSessionWatcher, 10_000, nil, context, 0) else {
                throw BenchError("zookeeper_init refused '\(connectString)' (errno \(errno))")
            }
            if let resolutionDelayMs {
                let rc = zoo_set_servers_resolution_delay(zh, resolutionDelayMs)
                guard rc == ZOK.rawValue else {
                    zookeeper_close(zh)
                    withExtendedLifetime(session) {}
                    throw BenchError("zoo_set_servers_resolution_delay(\(resolutionDelayMs)) failed (rc \(rc))")
                }
            }
            guard session.waitConnected(timeout: timeout) else {
                zookeeper_close(zh)
                withExtendedLifetime(session) {}
                throw BenchError("the C handle did not reach ZOO_CONNECTED_STATE within \(timeout)")
            }
            return CLibraryBaseline(zh: zh, session: session)
        }
    }

    /// `ops` sets of `payload` on `path` with `inFlight` requests outstanding; returns ops/s.
    /// Timed on the driving thread from the first submit to the last completion.
    func run(path: String, payload: [UInt8], ops: Int, inFlight: Int, timeout: Duration) async throws -> Double {
        try await DedicatedThread.run { [self] in
            let window = CWindow(slots: inFlight)
            let context = Unmanaged.passUnretained(window).toOpaque()
            var refused = 0
            var lastRefusal: Int32 = 0
            var timedOut = false
            let start = ContinuousClock.now
            let deadline = Deadline(after: timeout)
            path.withCString { cPath in
                payload.withUnsafeBufferPointer { bytes in
                    bytes.withMemoryRebound(to: CChar.self) { chars in
                        let length = Int32(chars.count)
                        for _ in 0..<ops {
                            guard window.acquire(until: deadline) else {
                                timedOut = true
                                return
                            }
                            let rc = zoo_aset(zh, cPath, chars.baseAddress, length, -1, cSetCompletion, context)
                            if rc != ZOK.rawValue {
                                window.release()
                                refused += 1
                                lastRefusal = rc
                            }
                        }
                    }
                }
            }
            // Every slot back: every completion has run.
            if !timedOut {
                for _ in 0..<inFlight where !window.acquire(until: deadline) {
                    timedOut = true
                    break
                }
            }
            let elapsed = ContinuousClock.now - start
            if timedOut {
                retired.append(window)
                throw BenchError("C pipelined sets (\(inFlight) in flight) did not finish within \(timeout)")
            }
            let failed = window.failures.load(ordering: .acquiring)
            if refused > 0 || failed > 0 {
                let rc = refused > 0 ? lastRefusal : window.lastFailure.load(ordering: .acquiring)
                throw BenchError("C zoo_aset: \(refused) refused, \(failed) failed (last rc \(rc))")
            }
            return Double(ops) / elapsed.seconds
        }
    }

    /// `calls` synchronous round trips (after `warmup` untimed ones): `zoo_get` of `path` into a
    /// buffer of `capacity` bytes, or `zoo_set` of `payload`.
    func sequential(get: Bool, path: String, payload: [UInt8], capacity: Int, calls: Int,
                    warmup: Int) async throws -> LatencySummary {
        try await DedicatedThread.run { [self] in
            var samples: [Duration] = []
            samples.reserveCapacity(calls)
            var buffer = [CChar](repeating: 0, count: max(capacity, 1))
            var failure: Int32 = ZOK.rawValue
            path.withCString { cPath in
                payload.withUnsafeBufferPointer { bytes in
                    bytes.withMemoryRebound(to: CChar.self) { chars in
                        buffer.withUnsafeMutableBufferPointer { out in
                            var stat = CZooKeeper.Stat()
                            let clock = ContinuousClock()
                            for index in 0..<(warmup + calls) {
                                let start = clock.now
                                let rc: Int32
                                if get {
                                    var length = Int32(out.count)
                                    rc = zoo_get(zh, cPath, 0, out.baseAddress, &length, &stat)
                                } else {
                                    rc = zoo_set(zh, cPath, chars.baseAddress, Int32(chars.count), -1)
                                }
                                let elapsed = clock.now - start
                                guard rc == ZOK.rawValue else {
                                    failure = rc
                                    return
                                }
                                if index >= warmup { samples.append(elapsed) }
                            }
                        }
                    }
                }
            }
            guard failure == ZOK.rawValue else {
                throw BenchError("C \(get ? "zoo_get" : "zoo_set") failed (rc \(failure))")
            }
            return LatencySummary(samples)
        }
    }

    /// Closes the handle. Call only after every run has returned (all completions arrived).
    func close() async {
        await DedicatedThread.run { [self] in
            guard !closed else { return }
            closed = true
            zookeeper_close(zh)
            withExtendedLifetime(session) {}
            retired.removeAll()
        }
    }
}

/// The C handle's watcher context: signals the first ZOO_CONNECTED_STATE.
final class CSession: @unchecked Sendable {
    // sem_t must not move: allocated once, destroyed in deinit (after zookeeper_close).
    let connected: UnsafeMutablePointer<sem_t>
    let signalled = Atomic<Bool>(false)

    init() {
        connected = .allocate(capacity: 1)
        sem_init(connected, 0, 0)
    }

    deinit {
        sem_destroy(connected)
        connected.deallocate()
    }

    func waitConnected(timeout: Duration) -> Bool {
        semaphoreWait(connected, until: Deadline(after: timeout))
    }
}

/// One pipelined run's bound: a counting semaphore of `slots` plus the failures seen.
final class CWindow: @unchecked Sendable {
    let slots: UnsafeMutablePointer<sem_t>
    let failures = Atomic<Int>(0)
    let lastFailure = Atomic<Int32>(0)

    init(slots count: Int) {
        slots = .allocate(capacity: 1)
        sem_init(slots, 0, UInt32(count))
    }

    deinit {
        sem_destroy(slots)
        slots.deallocate()
    }

    func acquire(until deadline: Deadline) -> Bool {
        semaphoreWait(slots, until: deadline)
    }

    func release() {
        sem_post(slots)
    }
}

/// An absolute CLOCK_REALTIME instant, as sem_timedwait takes it.
struct Deadline {
    let time: timespec

    init(after duration: Duration) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let (seconds, attoseconds) = duration.components
        var nanoseconds = Int(now.tv_nsec) + Int(attoseconds / 1_000_000_000)
        var wholeSeconds = Int(now.tv_sec) + Int(seconds)
        if nanoseconds >= 1_000_000_000 {
            nanoseconds -= 1_000_000_000
            wholeSeconds += 1
        }
        time = timespec(tv_sec: wholeSeconds, tv_nsec: nanoseconds)
    }
}

/// Waits on a semaphore until `deadline`; false when it passed. Tries without a syscall first.
private func semaphoreWait(_ semaphore: UnsafeMutablePointer<sem_t>, until deadline: Deadline) -> Bool {
    if sem_trywait(semaphore) == 0 { return true }
    var time = deadline.time
    while true {
        if sem_timedwait(semaphore, &time) == 0 { return true }
        if errno != EINTR { return false }
    }
}

// The C callbacks cannot capture: everything comes through the context pointer, which stays
// alive (held by the setter or the running thread) until the last callback has run.

private let cSessionWatcher: watcher_fn = { _, type, state, _, context in
    guard type == ZOO_SESSION_EVENT, state == ZOO_CONNECTED_STATE, let context else { return }
    let session = Unmanaged<CSession>.fromOpaque(context).takeUnretainedValue()
    if !session.signalled.exchange(true, ordering: .acquiringAndReleasing) {
        sem_post(session.connected)
    }
}

private let cSetCompletion: stat_completion_t = { rc, _, data in
    guard let data else { return }
    let window = Unmanaged<CWindow>.fromOpaque(data).takeUnretainedValue()
    if rc != ZOK.rawValue {
        window.failures.add(1, ordering: .relaxed)
        window.lastFailure.store(rc, ordering: .releasing)
    }
    sem_post(window.slots)
}
