/// PVC's two daemon modes, as the words it writes to `/nodes/N` and `daemonmode`. NodeCore keeps
/// its own copy so the pure core does not depend on how the configuration is parsed.
public enum NodeRole: String, Sendable, Equatable, CaseIterable {
    case coordinator
    case hypervisor

    /// The router state a node announces at registration: only coordinators may contend for
    /// primary, so only they start as `secondary`; PVC's API lists hypervisors as `client`.
    public var initialRouterState: String {
        switch self {
        case .coordinator: return "secondary"
        case .hypervisor: return "client"
        }
    }
}
