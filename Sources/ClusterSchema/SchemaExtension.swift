/// Keys of our own, in groups of PVC's schema, that PVC's tools ignore (`schema/extension.json`):
/// today `base.schema.migrated`, the version pvcnoded last migrated or applied the tree to.
///
/// They are not a PVC version and never change `/schema/version`. The catalog gives the same
/// extension to every version, so a key of ours is resolved and applied like PVC's keys but is
/// never in `groups`: no `SchemaDiff` reports it and no migration or rollback moves or removes it.
/// `validate` does not ask for them either, so a tree PVC made stays valid.
public struct SchemaExtension: Sendable, Equatable {
    /// Group name → the keys added to that PVC group, paths as in the group (absolute for base,
    /// relative to the item root otherwise), with their defaults. Only `keys` and `defaults` are
    /// used: the extension adds keys, never groups, items or roots.
    public let groups: [String: KeyGroup]

    public static let none = SchemaExtension()

    public init() {
        groups = [:]
    }

    public init(groups: [String: KeyGroup]) throws(SchemaError) {
        for (name, group) in groups {
            guard group.under.isEmpty, group.depth == 1 else {
                throw .malformed(version: nil, "extension \(name): adds keys only (no under or depth)")
            }
            for (key, path) in group.keys {
                guard path.hasPrefix("/"), !path.hasSuffix("/"), !path.contains("//") else {
                    throw .malformed(version: nil, "extension \(name).\(key): path '\(path)' must be absolute")
                }
            }
            for key in group.defaults.keys where group.keys[key] == nil {
                throw .malformed(version: nil, "extension \(name): default for unknown key '\(key)'")
            }
        }
        self.groups = groups
    }

    /// The keys of the groups `version` has, checked against them: a key of ours may not take the
    /// name or path of one of PVC's, and its parent must be a key of the group, so `apply` can
    /// create it and no rollback ever deletes what it lives under.
    func restricted(to version: Int, groups pvcGroups: [String: KeyGroup]) throws(SchemaError) -> SchemaExtension {
        var kept: [String: KeyGroup] = [:]
        for (name, group) in groups {
            guard let pvc = pvcGroups[name] else { continue }
            let paths = Set(pvc.keys.values).union(group.keys.values)
            for (key, path) in group.keys {
                guard pvc.keys[key] == nil, !pvc.keys.values.contains(path) else {
                    throw .malformed(version: version, "extension key \(name).\(key) clashes with a PVC key")
                }
                let parent = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? ""
                guard parent.isEmpty || paths.contains(parent) else {
                    throw .malformed(version: version, "extension key \(name).\(key): parent '\(parent)' is no key")
                }
            }
            kept[name] = group
        }
        return SchemaExtension(checked: kept)
    }

    private init(checked groups: [String: KeyGroup]) {
        self.groups = groups
    }
}
