/// One group of a schema version: the base keys, or the keys of one kind of item.
///
/// An item group says where its items live (`under`: keys of other groups whose children are the
/// items) and how many path segments an item name spans (`depth`: a volume is `pool/volume`), so
/// that the live tree can be walked per item instead of with PVC's item-less paths.
public struct KeyGroup: Sendable, Equatable {
    /// Parent keys ("base.node", "node.sriov.vf", ...); empty for the base group.
    public let under: [String]
    public let depth: Int
    /// Key name → path relative to the item root ("" is the root itself); absolute for base.
    public let keys: [String: String]
    /// Values written when a key is created; every other key starts empty, as in PVC.
    public let defaults: [String: String]

    public init(under: [String] = [], depth: Int = 1, keys: [String: String], defaults: [String: String] = [:]) {
        self.under = under
        self.depth = depth
        self.keys = keys
        self.defaults = defaults
    }

    /// The key whose path is the item root (PVC names it "name", "vni", "id", ...).
    public var rootKey: String? {
        keys.first { $0.value.isEmpty }?.key
    }

    /// Key names ordered so that a key's path comes after its parent's: creation order.
    var keysParentsFirst: [String] {
        keys.keys.sorted { lhs, rhs in
            let (left, right) = (keys[lhs] ?? "", keys[rhs] ?? "")
            let (leftDepth, rightDepth) = (left.split(separator: "/").count, right.split(separator: "/").count)
            return leftDepth != rightDepth ? leftDepth < rightDepth : left < right
        }
    }
}
