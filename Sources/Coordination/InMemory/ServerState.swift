/// Everything the in-memory server holds, and every transition of it. Each method runs under the
/// server's one lock, start to end, which is what makes the store linearizable and deterministic;
/// what must happen after the lock is released goes into `Deliveries`.
struct ServerState: Sendable {
    var tree = ZnodeTree()
    /// The zxid of the last transaction: session creation and closing, and every write request,
    /// failed ones included (ZooKeeper logs those as error transactions).
    private(set) var lastZxid: Int64 = 0
    private(set) var sessions: [Int64: SessionRecord] = [:]
    var watches = WatchRegistry()
    private var nextSessionID: Int64
    private var nextListenerID: UInt64 = 0
    let sessionTimeoutRange: ClosedRange<Duration>

    init(firstSessionID: Int64, sessionTimeoutRange: ClosedRange<Duration>) {
        nextSessionID = firstSessionID
        self.sessionTimeoutRange = sessionTimeoutRange
    }

    // MARK: Sessions

    /// Creates a session (a createSession transaction), with the timeout clamped to what the server
    /// allows, as ZooKeeper negotiates it.
    mutating func openSession(requestedTimeout: Duration) -> SessionRecord {
        let timeout = min(max(requestedTimeout, sessionTimeoutRange.lowerBound), sessionTimeoutRange.upperBound)
        let id = nextSessionID
        nextSessionID += 1
        lastZxid += 1
        let record = SessionRecord(id: id, timeout: timeout)
        sessions[id] = record
        return record
    }

    func session(_ id: Int64) throws(CoordinationError) -> SessionRecord {
        guard let record = sessions[id] else {
            throw CoordinationError(.invalidState, detail: "no session \(id) on this server")
        }
        return record
    }

    mutating func suspend(_ id: Int64, deliveries: inout Deliveries) {
        guard var record = sessions[id], record.state == .connected else { return }
        record.lastSeenZxid = lastZxid
        record.transition(to: .suspended, deliveries: &deliveries)
        sessions[id] = record
    }

    mutating func resume(_ id: Int64, deliveries: inout Deliveries) {
        guard var record = sessions[id], record.state == .suspended else { return }
        record.transition(to: .connected, deliveries: &deliveries)
        sessions[id] = record
        deliveries.firings += watches.reregister(sessionID: id, relativeZxid: record.lastSeenZxid, tree: tree)
    }

    /// The server ends the session: its watches fail, then its ephemerals go in one transaction,
    /// firing the watches of other sessions.
    mutating func expire(_ id: Int64, deliveries: inout Deliveries) {
        guard var record = sessions[id], record.isLiveOnServer else { return }
        // A client closed while disconnected has failed its watches with `closed` already.
        deliveries.fail(watches.removeAll(of: id), with: CoordinationError(.sessionExpired, detail: "session \(id) expired"))
        record.isLiveOnServer = false
        record.transition(to: .expired, deliveries: &deliveries)
        sessions[id] = record
        endOnServer(id, deliveries: &deliveries)
    }

    /// The client closes its session. A connected client tells the server, which deletes its
    /// ephemerals; a disconnected one cannot, and the server keeps the session until it expires.
    mutating func close(_ id: Int64, deliveries: inout Deliveries) {
        guard var record = sessions[id], !record.state.isTerminal else { return }
        deliveries.fail(watches.removeAll(of: id), with: CoordinationError(.closed, detail: "session \(id) was closed"))
        let toldServer = record.state == .connected
        if toldServer { record.isLiveOnServer = false }
        record.transition(to: .closed, deliveries: &deliveries)
        sessions[id] = record
        if toldServer { endOnServer(id, deliveries: &deliveries) }
    }

    /// The closeSession transaction: one zxid for all the session's ephemerals.
    private mutating func endOnServer(_ id: Int64, deliveries: inout Deliveries) {
        let context = beginTransaction(sessionID: id, time: nil)
        var changes: [TreeChange] = []
        tree.deleteEphemerals(of: id, in: context, changes: &changes)
        trigger(changes, deliveries: &deliveries)
    }

    mutating func reserveListenerID() -> UInt64 {
        nextListenerID += 1
        return nextListenerID
    }

    /// Registers a `sessionStates()` stream after yielding the current state to it; false (and
    /// nothing registered) when the session has ended, the state yielded being its last.
    mutating func addListener(_ continuation: AsyncStream<SessionState>.Continuation, id listenerID: UInt64,
                              to id: Int64) -> Bool {
        guard var record = sessions[id] else { return false }
        continuation.yield(record.state)
        if record.state.isTerminal { return false }
        record.listeners[listenerID] = continuation
        sessions[id] = record
        return true
    }

    mutating func removeListener(_ listenerID: UInt64, from id: Int64) {
        sessions[id]?.listeners[listenerID] = nil
    }

    var liveSessionIDs: [Int64] {
        sessions.values.filter(\.isLiveOnServer).map(\.id).sorted()
    }

    // MARK: Transactions

    /// Takes the next zxid. `time` is nil for transactions that write no node metadata.
    mutating func beginTransaction(sessionID: Int64, time: Int64?) -> TransactionContext {
        lastZxid += 1
        return TransactionContext(zxid: lastZxid, time: time ?? 0, sessionID: sessionID)
    }

    /// Turns the changes of a committed transaction into watch firings, in order.
    mutating func trigger(_ changes: [TreeChange], deliveries: inout Deliveries) {
        guard !changes.isEmpty else { return }
        let connected = Set(sessions.values.filter { $0.state == .connected }.map(\.id))
        for change in changes {
            deliveries.firings += watches.trigger(change, isDeliverable: { connected.contains($0) })
        }
    }
}
