/// The complete key layout of one PVC schema version, checked for consistency when built, with
/// the keys of our own extension that PVC's tools ignore.
public struct SchemaVersion: Sendable, Equatable {
    public static let baseGroup = "base"

    public let version: Int
    /// PVC's groups and keys only: what diffs and migrations compare.
    public let groups: [String: KeyGroup]
    /// Our own keys in this version's groups; resolved and applied like PVC's keys.
    public let `extension`: SchemaExtension
    /// `groups` with the extension's keys added, for resolution and `apply`.
    private let extendedGroups: [String: KeyGroup]
    /// Item groups with every group's parents before it, so walks can create or move parents first.
    public let itemGroupsParentsFirst: [String]

    /// Keys of `ownKeys` in groups this version lacks are left out; the others must not clash
    /// with PVC's keys.
    public init(version: Int, groups: [String: KeyGroup], extension ownKeys: SchemaExtension = .none) throws(SchemaError) {
        self.version = version
        self.groups = groups
        itemGroupsParentsFirst = try Self.check(version: version, groups: groups)
        let restricted = try ownKeys.restricted(to: version, groups: groups)
        self.extension = restricted
        var extended = groups
        for (name, own) in restricted.groups {
            guard let group = groups[name] else { continue }
            extended[name] = KeyGroup(under: group.under, depth: group.depth,
                                      keys: group.keys.merging(own.keys) { pvc, _ in pvc },
                                      defaults: group.defaults.merging(own.defaults) { pvc, _ in pvc })
        }
        extendedGroups = extended
    }

    /// A group's keys with the extension's keys of that group (PVC's alone are in `groups`).
    public func extended(_ group: String) -> KeyGroup? {
        extendedGroups[group]
    }

    public var base: KeyGroup {
        // `check` guarantees the base group exists; the fallback only keeps this total.
        groups[Self.baseGroup] ?? KeyGroup(keys: [:])
    }

    /// Splits "node.sriov.vf" into ("node", "sriov.vf"); a bare group name means its root key.
    /// Keys of the extension are found like PVC's.
    public func split(_ key: String) throws(SchemaError) -> (group: String, name: String) {
        let parts = key.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let groupName = String(parts[0])
        guard let group = groups[groupName] else { throw .unknownKey(key) }
        if parts.count == 1 {
            guard let root = group.rootKey else { throw .unknownKey(key) }
            return (groupName, root)
        }
        let name = String(parts[1])
        guard extendedGroups[groupName]?.keys[name] != nil else { throw .unknownKey(key) }
        return (groupName, name)
    }

    /// Rejects what would make path resolution or a tree walk wrong: a missing base group, paths
    /// that are not absolute, items that live under nothing, defaults for unknown keys, cycles.
    private static func check(version: Int, groups: [String: KeyGroup]) throws(SchemaError) -> [String] {
        func fail(_ detail: String) -> SchemaError { .malformed(version: version, detail) }
        guard let base = groups[baseGroup] else { throw fail("no base group") }
        guard base.under.isEmpty else { throw fail("the base group lives under nothing") }
        for (name, group) in groups {
            for (key, path) in group.keys where !path.isEmpty {
                guard path.hasPrefix("/"), !path.hasSuffix("/"), !path.contains("//") else {
                    throw fail("\(name).\(key): path '\(path)' must be '' or absolute")
                }
            }
            for key in group.defaults.keys where group.keys[key] == nil {
                throw fail("\(name): default for unknown key '\(key)'")
            }
            if name == baseGroup { continue }
            guard group.keys.values.filter(\.isEmpty).count == 1 else {
                throw fail("\(name): needs exactly one root key (path '')")
            }
            guard group.depth >= 1, !group.under.isEmpty else { throw fail("\(name): needs under and depth >= 1") }
            for parent in group.under {
                let parts = parent.split(separator: ".", maxSplits: 1)
                guard parts.count == 2, let parentGroup = groups[String(parts[0])],
                      let parentPath = parentGroup.keys[String(parts[1])] else {
                    throw fail("\(name): parent key '\(parent)' does not exist")
                }
                if parts[0] == Substring(baseGroup) && parentPath.isEmpty {
                    throw fail("\(name): items cannot live at the ZooKeeper root")
                }
            }
        }
        return try orderParentsFirst(groups, fail: fail)
    }

    private static func orderParentsFirst(_ groups: [String: KeyGroup],
                                          fail: (String) -> SchemaError) throws(SchemaError) -> [String] {
        var ordered: [String] = []
        var placed: Set<String> = [baseGroup]
        var pending = groups.keys.filter { $0 != baseGroup }.sorted()
        while !pending.isEmpty {
            let ready = pending.filter { name in
                (groups[name]?.under ?? []).allSatisfy { placed.contains(String($0.split(separator: ".")[0])) }
            }
            guard !ready.isEmpty else { throw fail("groups live under each other: \(pending)") }
            ordered += ready
            placed.formUnion(ready)
            pending.removeAll { placed.contains($0) }
        }
        return ordered
    }
}
