/// Schema keys to ZooKeeper paths, in PVC's three forms: a base key, a key of one item, and a key
/// of a sub-item living under a key of an item (an SR-IOV VF under its node).
extension SchemaVersion {
    /// "base.config.primary_node" → "/config/primary_node"; "base.root" → "/".
    public func path(_ key: String) throws(SchemaError) -> String {
        let (group, name) = try split(key)
        guard group == Self.baseGroup else { throw .wrongArity(key: key, "a per-item key needs an item") }
        return Self.absolute(extended(Self.baseGroup)?.keys[name] ?? "")
    }

    /// ("node.keepalive", "hv1") → "/nodes/hv1/keepalive"; ("node", "hv1") → "/nodes/hv1".
    public func path(_ key: String, item: String) throws(SchemaError) -> String {
        let (groupName, name) = try split(key)
        guard groupName != Self.baseGroup, let group = groups[groupName] else {
            throw .wrongArity(key: key, "a base key takes no item")
        }
        try Self.checkItem(item, group: groupName, depth: group.depth)
        // Top-level groups live under exactly one base key; sub-item groups need the 4-part form.
        guard group.under.count == 1, let parent = group.under.first,
              parent.hasPrefix(Self.baseGroup + ".") else {
            throw .wrongArity(key: key, "a sub-item key needs its parent key and item")
        }
        return try path(parent) + "/" + item + (extended(groupName)?.keys[name] ?? "")
    }

    /// ("node.sriov.vf", "hv1", "sriov_vf.config.trust", "ens1f1v3")
    /// → "/nodes/hv1/sriov/vf/ens1f1v3/config/trust".
    public func path(_ key: String, item: String, subKey: String, subItem: String) throws(SchemaError) -> String {
        let parentPath = try path(key, item: item)
        let (subGroupName, subName) = try split(subKey)
        guard let subGroup = groups[subGroupName], subGroupName != Self.baseGroup else {
            throw .wrongArity(key: subKey, "a base key cannot be a sub-item key")
        }
        let (parentGroup, parentName) = try split(key)
        guard subGroup.under.contains("\(parentGroup).\(parentName)") else {
            throw .notUnder(subKey: subKey, parentKey: key)
        }
        try Self.checkItem(subItem, group: subGroupName, depth: subGroup.depth)
        return parentPath + "/" + subItem + (extended(subGroupName)?.keys[subName] ?? "")
    }

    /// An item name must be exactly `depth` valid path segments, so it can never climb out of or
    /// reach past its parent.
    static func checkItem(_ item: String, group: String, depth: Int) throws(SchemaError) {
        let segments = item.split(separator: "/", omittingEmptySubsequences: false)
        guard segments.count == depth,
              segments.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." && !$0.contains("\0") }) else {
            throw .invalidItem(group: group, item: item)
        }
    }

    static func absolute(_ path: String) -> String {
        path.isEmpty ? "/" : path
    }
}
