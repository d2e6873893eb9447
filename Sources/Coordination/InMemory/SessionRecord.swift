/// What the server knows of one session, and what its client handle shows.
///
/// The two can differ: a client that closes while disconnected cannot tell the server, so the
/// session (and its ephemerals) lives on there until it expires.
struct SessionRecord: Sendable {
    let id: Int64
    let timeout: Duration
    /// The state the client handle reports.
    var state: SessionState = .connected
    /// False once the server has ended the session (closed or expired) and deleted its ephemerals.
    var isLiveOnServer = true
    /// The last zxid the client saw before it lost the connection: what it tells the server when it
    /// reconnects, so that the server can fire the watches whose nodes changed in between.
    var lastSeenZxid: Int64 = 0
    /// The `sessionStates()` streams still listening.
    var listeners: [UInt64: AsyncStream<SessionState>.Continuation] = [:]

    init(id: Int64, timeout: Duration) {
        self.id = id
        self.timeout = timeout
    }

    /// Throws what a call on this session gets when it is not connected.
    func requireConnected(path: String?) throws(CoordinationError) {
        switch state {
        case .connected:
            return
        case .suspended:
            throw CoordinationError(.connectionLoss, path: path, detail: "session \(id) is disconnected")
        case .expired:
            throw CoordinationError(.sessionExpired, path: path, detail: "session \(id) expired")
        case .closed:
            throw CoordinationError(.closed, path: path, detail: "session \(id) was closed")
        case .connecting:
            throw CoordinationError(.invalidState, path: path, detail: "session \(id) is not connected yet")
        }
    }

    /// Moves to `newState` and tells every listener. The yield happens under the server's lock so
    /// that listeners see the changes in the order they happened; finishing does not, because it
    /// runs the stream's termination handler, which takes the lock.
    mutating func transition(to newState: SessionState, deliveries: inout Deliveries) {
        guard state != newState, !state.isTerminal else { return }
        state = newState
        for listener in listeners.values {
            listener.yield(newState)
        }
        if newState.isTerminal {
            deliveries.finishes.append(contentsOf: listeners.values)
            listeners = [:]
        }
    }
}
