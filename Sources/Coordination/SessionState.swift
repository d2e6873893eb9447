/// Where a store's session stands, from the client's point of view.
public enum SessionState: Sendable, Equatable, CustomStringConvertible {
    /// Not yet connected for the first time.
    case connecting
    /// Connected; calls go through.
    case connected
    /// The connection was lost; the session may still be alive on the server, and the client is
    /// trying to reconnect. Calls fail with `connectionLoss` or `operationTimeout`.
    case suspended
    /// The session is gone, or presumed gone because the client has not been connected for a full
    /// session timeout. Terminal: ephemerals, watches and locks of the session are lost.
    case expired
    /// The owner closed the store. Terminal.
    case closed

    public var isTerminal: Bool { self == .expired || self == .closed }

    public var description: String {
        switch self {
        case .connecting: return "connecting"
        case .connected: return "connected"
        case .suspended: return "suspended"
        case .expired: return "expired"
        case .closed: return "closed"
        }
    }
}
