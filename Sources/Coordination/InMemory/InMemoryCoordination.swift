import Synchronization

/// A deterministic, in-process ZooKeeper "server": one shared tree, any number of sessions.
///
/// It follows ZooKeeper 3.8's data model closely enough to pass the same contract suite as a real
/// server, and adds the controls a real server does not have: expiring a session, and cutting and
/// restoring a session's connection, at a moment the test or the simulator chooses.
///
/// Every call runs synchronously under one lock, so the outcome depends only on the order of the
/// calls. Watches fire after the lock is released; nothing here sleeps or reads the wall clock.
public final class InMemoryCoordination: Sendable {
    /// The id of the first session; later ones count up from it. Non-zero, like ZooKeeper's, so
    /// that an ephemeral owner is never 0.
    public static let firstSessionID: Int64 = 0x0100_0000_0000_0001

    private let state: Mutex<ServerState>
    private let departed = DepartedSubscribers<ListenerKey>()

    /// A `sessionStates()` stream of one session.
    struct ListenerKey: Hashable, Sendable {
        let session: Int64
        let listener: UInt64
    }
    private let clock: @Sendable () -> Int64

    /// - Parameters:
    ///   - clock: the time in milliseconds for ctime and mtime. Called under the server's lock, so it
    ///     must not call back into the store.
    ///   - sessionTimeoutRange: the timeouts the server agrees to; a request outside is clamped,
    ///     as ZooKeeper clamps to its min/max session timeout (by default 2 and 20 ticks of 2 s).
    public init(clock: @escaping @Sendable () -> Int64 = { 0 },
                sessionTimeoutRange: ClosedRange<Duration> = .seconds(4) ... .seconds(40)) {
        self.clock = clock
        state = Mutex(ServerState(firstSessionID: Self.firstSessionID, sessionTimeoutRange: sessionTimeoutRange))
    }

    // MARK: Sessions

    /// A new session, connected at once.
    public func connect(sessionTimeout: Duration = .seconds(10)) -> InMemorySession {
        let record = state.withLock { $0.openSession(requestedTimeout: sessionTimeout) }
        return InMemorySession(server: self, sessionID: record.id, sessionTimeout: record.timeout)
    }

    /// The server expires the session: its watches fail with `sessionExpired`, its ephemerals are
    /// deleted (firing other sessions' watches), and its calls throw `sessionExpired` from now on.
    /// Also ends a session whose client closed it while disconnected. Unknown or ended: no effect.
    public func expire(sessionID: Int64) {
        withDeliveries { state, deliveries in state.expire(sessionID, deliveries: &deliveries) }
    }

    /// Cuts the session's connection: its calls throw `connectionLoss`, and it keeps its ephemerals
    /// and its armed watches, which do not fire until `resume`. No effect unless connected.
    public func suspend(sessionID: Int64) {
        withDeliveries { state, deliveries in state.suspend(sessionID, deliveries: &deliveries) }
    }

    /// Restores the connection. As a ZooKeeper client re-registers its watches on reconnecting,
    /// each armed watch whose node changed meanwhile fires now, with the event the server's
    /// `setWatches` gives (so a node set then deleted reports `deleted`, and one created then
    /// deleted reports nothing). No effect unless suspended.
    public func resume(sessionID: Int64) {
        withDeliveries { state, deliveries in state.resume(sessionID, deliveries: &deliveries) }
    }

    // MARK: Inspection

    /// Every node with its data and metadata, ZooKeeper's own nodes included.
    public func dump() -> [String: NodeData] {
        state.withLock { state in state.tree.nodes.mapValues(\.nodeData) }
    }

    /// The sessions alive on the server, in order.
    public var sessionIDs: [Int64] {
        state.withLock { $0.liveSessionIDs }
    }

    /// The zxid of the last transaction.
    public var lastZxid: Int64 {
        state.withLock { $0.lastZxid }
    }

    /// A session's state as its client sees it; nil for an id this server never gave.
    public func sessionState(of sessionID: Int64) -> SessionState? {
        state.withLock { $0.sessions[sessionID]?.state }
    }

    /// The paths of a session's ephemerals, in order.
    public func ephemerals(of sessionID: Int64) -> [String] {
        state.withLock { ($0.tree.ephemerals[sessionID] ?? []).sorted() }
    }

    /// How many watches the session has armed (one signal armed twice counts twice).
    public func armedWatchCount(of sessionID: Int64) -> Int {
        state.withLock { $0.watches.count(of: sessionID) }
    }

    // MARK: For the session handle

    func sessionRecord(_ sessionID: Int64) -> SessionRecord? {
        state.withLock { $0.sessions[sessionID] }
    }

    /// Runs a write transaction for a connected session: takes a zxid and the time, and applies
    /// `body` to the tree. A failed write keeps its zxid, as ZooKeeper logs an error transaction.
    func write<Result: Sendable>(
        sessionID: Int64, path: String?,
        _ body: (inout ZnodeTree, TransactionContext, inout [TreeChange]) throws(CoordinationError) -> Result
    ) throws(CoordinationError) -> Result {
        try withDeliveries { (state, deliveries) throws(CoordinationError) -> Result in
            try state.session(sessionID).requireConnected(path: path)
            let context = state.beginTransaction(sessionID: sessionID, time: clock())
            var changes: [TreeChange] = []
            let result = try body(&state.tree, context, &changes)
            state.trigger(changes, deliveries: &deliveries)
            return result
        }
    }

    /// Runs a read for a connected session; `body` may arm watches.
    func read<Result: Sendable>(
        sessionID: Int64, path: String,
        _ body: (ZnodeTree, inout WatchRegistry) throws(CoordinationError) -> Result
    ) throws(CoordinationError) -> Result {
        try state.withLock { (state) throws(CoordinationError) -> Result in
            try state.session(sessionID).requireConnected(path: path)
            return try body(state.tree, &state.watches)
        }
    }

    func close(sessionID: Int64) {
        withDeliveries { state, deliveries in state.close(sessionID, deliveries: &deliveries) }
    }

    func sessionStates(of sessionID: Int64) -> AsyncStream<SessionState> {
        let (stream, continuation) = AsyncStream.makeStream(of: SessionState.self)
        let listenerID = state.withLock { $0.reserveListenerID() }
        // Set before registering, so that a consumer that stops at once is still removed. It must
        // not take the server's lock, under which listeners are yielded to (see DepartedSubscribers).
        continuation.onTermination = { [departed] _ in departed.record(ListenerKey(session: sessionID, listener: listenerID)) }
        let listening = state.withLock { state in
            for key in departed.drain() { state.removeListener(key.listener, from: key.session) }
            return state.addListener(continuation, id: listenerID, to: sessionID)
        }
        if !listening {
            continuation.finish()
        }
        return stream
    }

    private func withDeliveries<Result: Sendable, Failure: Error>(
        _ body: (inout ServerState, inout Deliveries) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        var deliveries = Deliveries()
        let result = try state.withLock { (state) throws(Failure) -> Result in
            try body(&state, &deliveries)
        }
        deliveries.deliver()
        return result
    }
}
