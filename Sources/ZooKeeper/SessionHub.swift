import Coordination
import CZooKeeper
import Logging
import Synchronization

/// The session the server gave us, as read at the last CONNECTED event.
struct SessionIdentity: Sendable {
    let session: clientid_t
    /// The timeout the server agreed to.
    let timeout: Duration

    var id: Int64 { session.client_id }
}

/// One client's session state as seen by everyone who asks: the tracker's decisions, published to
/// subscribers. Fed from the C library's session watcher and from the client's timer.
final class SessionHub: Sendable {
    private struct Inner {
        var tracker: SessionTracker
        var identity: SessionIdentity?
        var subscribers: [UInt64: AsyncStream<SessionState>.Continuation] = [:]
        var nextSubscriber: UInt64 = 0
    }

    private let inner: Mutex<Inner>
    private let departed = DepartedSubscribers<UInt64>()
    /// Called once, off the library's threads, when the session reaches a terminal state on its own
    /// (expired); the client tears its handle down.
    private let onEnded: Mutex<(@Sendable (SessionState) -> Void)?> = Mutex(nil)

    private let logger: Logger

    init(sessionTimeout: Duration, logger: Logger) {
        inner = Mutex(Inner(tracker: SessionTracker(sessionTimeout: sessionTimeout)))
        self.logger = logger
    }

    var state: SessionState { inner.withLock { $0.tracker.state } }

    var sessionTimeout: Duration { inner.withLock { $0.tracker.sessionTimeout } }

    var identity: SessionIdentity? { inner.withLock { $0.identity } }

    /// Called from the library's session callback, before the CONNECTED state is published, so
    /// that whoever sees `.connected` also sees the session it is connected with.
    func record(_ identity: SessionIdentity) {
        inner.withLock { inner in
            inner.identity = identity
            inner.tracker.sessionTimeout = identity.timeout
        }
    }

    func whenEnded(_ handler: @escaping @Sendable (SessionState) -> Void) {
        onEnded.withLock { $0 = handler }
    }

    func subscribe() -> AsyncStream<SessionState> {
        let (stream, continuation) = AsyncStream<SessionState>.makeStream(bufferingPolicy: .unbounded)
        let current: SessionState? = inner.withLock { inner in
            for id in departed.drain() { inner.subscribers[id] = nil }
            let state = inner.tracker.state
            guard !state.isTerminal else { return state }
            inner.nextSubscriber += 1
            let id = inner.nextSubscriber
            inner.subscribers[id] = continuation
            // Yielding under the lock keeps the current state ahead of any change published next.
            continuation.yield(state)
            continuation.onTermination = { [departed] _ in departed.record(id) }
            return nil
        }
        if let current {
            continuation.yield(current)
            continuation.finish()
        }
        return stream
    }

    func onLibraryState(_ library: LibraryConnectionState, at now: ContinuousClock.Instant = .now) {
        publish { $0.onLibraryState(library, at: now) }
    }

    func onTick(at now: ContinuousClock.Instant = .now) {
        publish { $0.onTick(at: now) }
    }

    func onClosed() {
        publish { $0.onClosed() }
    }

    private func publish(_ decide: (inout SessionTracker) -> SessionState?) {
        let (previous, next, timeout, finished) = inner.withLock { inner in
            for id in departed.drain() { inner.subscribers[id] = nil }
            let previous = inner.tracker.state
            guard let next = decide(&inner.tracker) else {
                return (previous, SessionState?.none, inner.tracker.sessionTimeout, [AsyncStream<SessionState>.Continuation]())
            }
            // Yielded under the lock so that subscribers see changes in the order they were decided.
            for continuation in inner.subscribers.values { continuation.yield(next) }
            var finished: [AsyncStream<SessionState>.Continuation] = []
            if next.isTerminal {
                finished = Array(inner.subscribers.values)
                inner.subscribers = [:]
            }
            return (previous, next, inner.tracker.sessionTimeout, finished)
        }
        for continuation in finished { continuation.finish() }
        guard let next else { return }
        switch next {
        case .connected:
            // The first connection is logged by the client with its details; this is a reconnection.
            if previous == .suspended { logger.notice("ZooKeeper connection re-established; the session survived") }
        case .suspended:
            logger.warning("ZooKeeper connection lost; the session lives on the server for up to \(timeout) while the client reconnects")
        case .expired:
            logger.error("ZooKeeper session expired (or presumed expired after \(timeout) without a connection): its ephemerals, watches and locks are gone")
        case .connecting, .closed:
            logger.debug("ZooKeeper session \(next)")
        }
        guard next.isTerminal else { return }
        let handler = onEnded.withLock { handler -> (@Sendable (SessionState) -> Void)? in
            defer { handler = nil }
            return handler
        }
        handler?(next)
    }
}

/// Token → hub, for the C library's session watcher, which can carry nothing but a token.
enum SessionRegistry {
    private static let hubs = Mutex([UInt64: SessionHub]())

    static func add(_ hub: SessionHub, token: UInt64) {
        hubs.withLock { $0[token] = hub }
    }

    static func remove(token: UInt64) {
        _ = hubs.withLock { $0.removeValue(forKey: token) }
    }

    static func record(_ identity: SessionIdentity, for token: UInt64) {
        hubs.withLock { $0[token] }?.record(identity)
    }

    static func deliver(_ library: LibraryConnectionState, to token: UInt64) {
        hubs.withLock { $0[token] }?.onLibraryState(library)
    }
}
