/// One coordinator as a decision reads it: its router state (with the znode version, for the
/// checks of the takeover transaction), daemon state and last keepalive.
public struct PeerRouter: Sendable, Equatable {
    public var name: String
    /// nil when the key is missing or holds a word PVC does not use.
    public var routerState: RouterState?
    public var routerStateVersion: Int32
    /// The raw word, so garbage can be logged and never acted on.
    public var daemonState: String?
    /// Epoch seconds; nil when missing or not a number.
    public var keepalive: Int?
    /// The keepalive znode's version, -1 when not read: clearing a gone node checks it, so a node
    /// that came back in between is never cleared.
    public var keepaliveVersion: Int32

    public init(name: String, routerState: RouterState?, routerStateVersion: Int32, daemonState: String?,
                keepalive: Int?, keepaliveVersion: Int32 = -1) {
        self.name = name
        self.routerState = routerState
        self.routerStateVersion = routerStateVersion
        self.daemonState = daemonState
        self.keepalive = keepalive
        self.keepaliveVersion = keepaliveVersion
    }

    /// Whether the node is gone for the primary role: stopped, declared dead or fenced, or in
    /// `run` with a keepalive older than `deadAfter` seconds (PVC's dead-node rule). A node
    /// starting (`init`) or shutting down is alive; a missing or garbled keepalive is never read
    /// as dead — no decision on a guess.
    public func isGone(epochNow: Int, deadAfter: Int) -> Bool {
        switch daemonState {
        case "stop", "dead", "fenced": return true
        case "run":
            guard let keepalive else { return false }
            return epochNow - keepalive > deadAfter
        default: return false
        }
    }
}
