/// The keys of one VM a node decides on, read together after its state key changed.
public struct VMRecord: Sendable, Equatable {
    /// nil when the key holds a word PVC does not use: no node acts on it (logged by the runtime).
    public var state: VMState?
    /// The node the VM should run on.
    public var node: String
    /// Non-empty: the VM was moved temporarily and `unmigrate` returns it there.
    public var lastNode: String
    /// `migration_method`: `live` (never fall back), `shutdown` (never live), anything else the
    /// default (live, then shutdown).
    public var migrationMethod: String
    /// `migration_max_downtime` in milliseconds; nil when missing or not a number (libvirt's default).
    public var maxDowntime: Int?

    public init(state: VMState?, node: String, lastNode: String = "", migrationMethod: String = "none",
                maxDowntime: Int? = 300) {
        self.state = state
        self.node = node
        self.lastNode = lastNode
        self.migrationMethod = migrationMethod
        self.maxDowntime = maxDowntime
    }
}

/// What this node's libvirt says of the VM.
public enum LocalDomain: Sendable, Equatable {
    /// Active and running here.
    case running
    /// Present but paused: an incoming live migration looks like this until it completes, so a
    /// paused domain is never started, stopped or reported as received.
    case paused
    /// Not defined here, or shut off / crashed.
    case absent
}
