/// `/domains/U/node_limit`: the nodes a VM may run on, as a comma list; empty means any node.
///
/// Entries are trimmed and empty entries ignored (`"hv1, hv2,"` is hv1 and hv2): PVC splits on
/// commas only, so its own `pvc vm meta --limit "hv1, hv2"` would make " hv2" a name that no node
/// has. A list that holds only commas and spaces is no limit, as PVC treats `""`.
public struct NodeLimit: Sendable, Equatable {
    /// The allowed node names in the key's order, duplicates kept; empty when unlimited.
    public let nodes: [String]

    public init(nodes: [String]) {
        self.nodes = nodes
    }

    /// - Parameter text: the key's value; nil (key missing) is no limit.
    public init(parsing text: String?) {
        guard let text else {
            nodes = []
            return
        }
        nodes = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { String(PlacementText.trimmed($0)) }
            .filter { !$0.isEmpty }
    }

    public static let unlimited = NodeLimit(nodes: [])

    public var isUnlimited: Bool { nodes.isEmpty }

    public func allows(_ node: String) -> Bool {
        isUnlimited || nodes.contains(node)
    }
}
