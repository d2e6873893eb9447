/// A key that kept its name but moved (PVC's definition of a rename, pvc-node-daemon.md §1.3).
public struct KeyMove: Sendable, Equatable {
    public let from: String
    public let to: String
}

/// How one group changed between two versions. Key names are relative to the group.
public struct GroupDiff: Sendable, Equatable {
    public var added: Set<String> = []
    public var removed: Set<String> = []
    public var renamed: [String: KeyMove] = [:]

    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && renamed.isEmpty }
}

/// The changes from one version to another, per group; a group present on one side only has all
/// its keys added or removed. Unlike PVC's `key_diff`, every group is compared, sub-item groups too.
public struct SchemaDiff: Sendable, Equatable {
    public let from: Int
    public let to: Int
    /// Only the groups that changed.
    public let groups: [String: GroupDiff]

    public init(from old: SchemaVersion, to new: SchemaVersion) {
        from = old.version
        to = new.version
        var groups: [String: GroupDiff] = [:]
        for name in Set(old.groups.keys).union(new.groups.keys) {
            let before = old.groups[name]?.keys ?? [:]
            let after = new.groups[name]?.keys ?? [:]
            var diff = GroupDiff()
            diff.added = Set(after.keys).subtracting(before.keys)
            diff.removed = Set(before.keys).subtracting(after.keys)
            for (key, oldPath) in before {
                if let newPath = after[key], newPath != oldPath {
                    diff.renamed[key] = KeyMove(from: oldPath, to: newPath)
                }
            }
            if !diff.isEmpty { groups[name] = diff }
        }
        self.groups = groups
    }
}
