/// PVC's words for a node's part in the primary role (`/nodes/N/routerstate`). Invariant 1 of the
/// architecture: at most one node is `primary` or `takeover` at any moment.
public enum RouterState: String, Sendable, Equatable, CaseIterable {
    /// A hypervisor: never contends.
    case client
    /// A coordinator that is not primary; it contends when `/config/primary_node` is `none`.
    case secondary
    /// Named primary, moving the addresses and duties over.
    case takeover
    case primary
    /// No longer named primary, handing the addresses and duties over.
    case relinquish

    /// The states invariant 1 counts.
    public var holdsPrimary: Bool { self == .primary || self == .takeover }
}
