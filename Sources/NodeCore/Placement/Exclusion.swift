/// A node that target selection did not consider, and the first of PVC's rules (§7.4 step 3, in
/// PVC's order) that it failed. Kept so that "no target" can say why, in the log and in a VM's
/// `failedreason`.
public struct Exclusion: Sendable, Equatable {
    public enum Reason: Sendable, Equatable {
        /// Not in the VM's `node_limit`.
        case outsideNodeLimit
        /// The node the VM is on (or, for a flush, its original home): never migrate to self.
        case currentNode
        /// `daemonstate` is not `run` (nil: missing).
        case daemonState(String?)
        /// `domainstate` is not `ready` (nil: missing).
        case domainState(String?)

        /// PVC's order of the checks; also orders exclusions of one name.
        var rank: Int {
            switch self {
            case .outsideNodeLimit: 0
            case .currentNode: 1
            case .daemonState: 2
            case .domainState: 3
            }
        }

        /// The state word a state exclusion quotes.
        var state: String? {
            switch self {
            case .daemonState(let state), .domainState(let state): state
            case .outsideNodeLimit, .currentNode: nil
            }
        }

        var text: String {
            switch self {
            case .outsideNodeLimit: "outside node_limit"
            case .currentNode: "is the VM's current node"
            case .daemonState(let state): "daemonstate \(state.map { PlacementText.quoted($0) } ?? "missing")"
            case .domainState(let state): "domainstate \(state.map { PlacementText.quoted($0) } ?? "missing")"
            }
        }
    }

    public let node: String
    public let reason: Reason

    public init(node: String, reason: Reason) {
        self.node = node
        self.reason = reason
    }
}
