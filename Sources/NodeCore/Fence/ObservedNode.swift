/// One node as a fencer's scan of `/nodes` reads it: its daemon state and keepalive, each with
/// the znode version the dead-marking transaction checks, so a node that came back between the
/// read and the write is never marked.
public struct ObservedNode: Sendable, Equatable {
    public var name: String
    /// The raw word; nil when missing. Only `run` (and `dead`, to resume a fence) is acted on.
    public var daemonState: String?
    public var daemonStateVersion: Int32
    /// Epoch seconds; nil when missing or garbage.
    public var keepalive: Int?
    public var keepaliveVersion: Int32

    public init(name: String, daemonState: String?, daemonStateVersion: Int32, keepalive: Int?, keepaliveVersion: Int32) {
        self.name = name
        self.daemonState = daemonState
        self.daemonStateVersion = daemonStateVersion
        self.keepalive = keepalive
        self.keepaliveVersion = keepaliveVersion
    }
}
