import Coordination

extension SchemaCatalog {
    /// Migrates (to > from) or rolls back (to < from) a populated tree one version at a time, in
    /// numeric order. Each step works per item: renamed keys move within their item, removed keys
    /// go, added keys appear with their default under items that exist, never at PVC's
    /// item-less paths. `/schema/version` is left to the caller, who raised it to trigger this.
    public func migrate(_ store: any CoordinationStore, from: Int, to: Int) async throws {
        let versions = try path(from: from, to: to)
        for (old, new) in zip(versions, versions.dropFirst()) {
            try await MigrationStep(old: try schema(old), new: try schema(new)).run(on: store)
        }
    }
}

/// One step between adjacent versions.
struct MigrationStep {
    let old: SchemaVersion
    let new: SchemaVersion
    let diff: SchemaDiff

    init(old: SchemaVersion, new: SchemaVersion) {
        self.old = old
        self.new = new
        diff = SchemaDiff(from: old, to: new)
    }

    /// Where a key is while the step runs: moved keys are already at their new path (renames run
    /// parents first), removed keys still at their old one.
    private func current(_ group: String, _ key: String) -> String? {
        new.groups[group]?.keys[key] ?? old.groups[group]?.keys[key]
    }

    func run(on store: any CoordinationStore) async throws {
        // Items are listed before anything moves, in the old layout they are in.
        var items: [String: [ItemInstance]] = [:]
        for group in old.itemGroupsParentsFirst {
            items[group] = try await old.instances(of: group, in: store)
        }
        let base = SchemaVersion.baseGroup

        // Renames, parents first, so each item's root is already where `current` says.
        for (_, move) in (diff.groups[base]?.renamed ?? [:]).sorted(by: { depth($0.value.from) < depth($1.value.from) }) {
            try await TreeEdits.move(SchemaVersion.absolute(move.from), to: SchemaVersion.absolute(move.to), in: store)
        }
        for group in old.itemGroupsParentsFirst where new.groups[group] != nil {
            let moves = (diff.groups[group]?.renamed ?? [:]).values.sorted { depth($0.from) < depth($1.from) }
            guard !moves.isEmpty else { continue }
            for instance in items[group] ?? [] {
                guard let root = instance.rootPath(layout: current) else { continue }
                for move in moves { try await TreeEdits.move(root + move.from, to: root + move.to, in: store) }
            }
        }

        // Removals, sub-items before their parents, base keys last.
        for group in old.itemGroupsParentsFirst.reversed() {
            guard let removed = diff.groups[group]?.removed, !removed.isEmpty,
                  let spec = old.groups[group] else { continue }
            let paths = removed.compactMap { spec.keys[$0] }.sorted { depth($0) > depth($1) }
            for instance in items[group] ?? [] {
                guard let root = instance.rootPath(layout: current) else { continue }
                for subPath in paths { try await store.deleteRecursive(root + subPath) }
            }
        }
        let removedBase = (diff.groups[base]?.removed ?? []).compactMap { old.base.keys[$0] }
        for path in removedBase.sorted(by: { depth($0) > depth($1) }) where !path.isEmpty {
            try await store.deleteRecursive(path)
        }

        // Additions, parents first, only under items that are still there.
        for name in new.base.keysParentsFirst where diff.groups[base]?.added.contains(name) == true {
            guard let path = new.base.keys[name], !path.isEmpty else { continue }
            try await TreeEdits.createIfMissing(path, value: new.base.defaults[name] ?? "", in: store)
        }
        for group in new.itemGroupsParentsFirst {
            guard let added = diff.groups[group]?.added, !added.isEmpty, let spec = new.groups[group] else { continue }
            for instance in items[group] ?? [] {
                guard let root = instance.rootPath(in: new), try await store.exists(root) != nil else { continue }
                for name in spec.keysParentsFirst where added.contains(name) {
                    guard let subPath = spec.keys[name], !subPath.isEmpty else { continue }
                    try await TreeEdits.createIfMissing(root + subPath, value: spec.defaults[name] ?? "", in: store)
                }
            }
        }
    }

    private func depth(_ path: String) -> Int {
        path.split(separator: "/").count
    }
}
