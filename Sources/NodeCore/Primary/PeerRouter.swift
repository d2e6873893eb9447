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
    /// Whether the node's ZooKeeper session still lives (its ephemeral `/sessions/NAME`). False
    /// for a node that never publishes one (PVC's own daemon): then the keepalive alone decides,
    /// as before. A read that failed counts as alive.
    public var sessionLive: Bool

    public init(name: String, routerState: RouterState?, routerStateVersion: Int32, daemonState: String?,
                keepalive: Int?, keepaliveVersion: Int32 = -1, sessionLive: Bool = false) {
        self.name = name
        self.routerState = routerState
        self.routerStateVersion = routerStateVersion
        self.daemonState = daemonState
        self.keepalive = keepalive
        self.keepaliveVersion = keepaliveVersion
        self.sessionLive = sessionLive
    }

    /// Whether the node is gone for the primary role, so that a peer may clear it and take its
    /// floating addresses: stopped (it let go itself) or fenced (its power was seen off), or —
    /// declared dead, or in `run` with a keepalive older than `deadAfter` seconds (PVC's dead-node
    /// rule) — once its ZooKeeper session has ended.
    ///
    /// Why the session: a silent node may still have its addresses configured. One whose session
    /// ended has dropped them itself (a primary drops the role once its session is suspended for
    /// half the session timeout, long before the server expires it), or is dead. One whose session
    /// lives is connected but not keeping alive (a hung daemon), and may still answer on them:
    /// only the fence's power state seen off makes it safe. A SIGKILLed primary's session ends
    /// after the session timeout (10 s, a third of PVC's 30 s dead threshold), so contention never
    /// waits for the fence's IPMI calls however slow or unreachable the BMC is.
    ///
    /// A node starting (`init`) or shutting down is alive; a missing or garbled keepalive is
    /// never read as dead — no decision on a guess.
    public func isGone(epochNow: Int, deadAfter: Int) -> Bool {
        switch daemonState {
        case "stop", "fenced": return true
        case "dead": return !sessionLive
        case "run":
            guard let keepalive, epochNow - keepalive > deadAfter else { return false }
            return !sessionLive
        default: return false
        }
    }
}
