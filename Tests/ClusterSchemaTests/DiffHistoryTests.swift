import Testing
@testable import ClusterSchema

/// pvc-node-daemon.md §1.5, written out independently of the JSON files: what each version
/// added to (and removed from) the one before.
enum DocumentedHistory {
    /// Keys added to groups that existed before.
    static let added: [Int: [String: Set<String>]] = [
        1: ["node": ["sriov", "sriov.pf", "sriov.vf"]],
        2: ["node": ["data.pvc_version"]],
        3: ["domain": ["meta.tags"]],
        4: ["base": ["logs"]],
        5: ["osd": ["db_device"]],
        6: ["network": ["mtu"]],
        7: ["pool": ["tier"]],
        8: ["osd": ["fsid", "ofsid", "cfsid", "lvm", "vg", "lv"]],
        9: ["base": ["storage.health"], "node": ["monitoring.plugins", "monitoring.data", "monitoring.health"]],
        10: ["osd": ["is_split"]],
        11: ["base": ["faults"]],
        12: ["node": ["network.stats"]],
        13: ["domain": ["meta.migrate_max_downtime"]],
        14: ["domain": ["snapshots"]],
        15: ["base": ["config.fence_lock"]],
    ]
    /// Whole groups that first appear in a version.
    static let newGroups: [Int: Set<String>] = [
        1: ["sriov_pf", "sriov_vf"], 3: ["tag"], 4: ["logs"], 9: ["monitoring_plugin"],
        11: ["faults"], 14: ["domain_snapshot"],
    ]
    static let removed: [Int: [String: Set<String>]] = [
        10: ["base": ["cmd", "cmd.node", "cmd.domain", "cmd.ceph"]],
    ]
}

@Suite struct DiffHistoryTests {
    @Test(arguments: 1 ... 15)
    func forwardDiffMatchesTheHistory(version: Int) throws {
        let catalog = try SchemaCatalog.bundled()
        let old = try catalog.schema(version - 1)
        let new = try catalog.schema(version)
        let diff = SchemaDiff(from: old, to: new)
        let newGroups = DocumentedHistory.newGroups[version] ?? []
        var expected: [String: GroupDiff] = [:]
        for (group, keys) in DocumentedHistory.added[version] ?? [:] { expected[group, default: GroupDiff()].added = keys }
        for (group, keys) in DocumentedHistory.removed[version] ?? [:] { expected[group, default: GroupDiff()].removed = keys }
        for group in newGroups {
            #expect(old.groups[group] == nil)
            expected[group, default: GroupDiff()].added = Set(new.groups[group]?.keys.keys.map { $0 } ?? [])
            #expect(expected[group]?.added.isEmpty == false)
        }
        #expect(diff.groups == expected)
    }

    @Test(arguments: 1 ... 15)
    func backwardDiffIsTheMirror(version: Int) throws {
        let catalog = try SchemaCatalog.bundled()
        let forward = SchemaDiff(from: try catalog.schema(version - 1), to: try catalog.schema(version))
        let backward = SchemaDiff(from: try catalog.schema(version), to: try catalog.schema(version - 1))
        #expect(backward.groups.mapValues(\.added) == forward.groups.mapValues(\.removed))
        #expect(backward.groups.mapValues(\.removed) == forward.groups.mapValues(\.added))
    }

    @Test func renamesAreSameNameDifferentPath() throws {
        let old = try SchemaVersion(version: 1, groups: [
            "base": KeyGroup(keys: ["root": "", "node": "/nodes"]),
            "node": KeyGroup(under: ["base.node"], keys: ["name": "", "stats": "/stats", "gone": "/gone"]),
        ])
        let new = try SchemaVersion(version: 2, groups: [
            "base": KeyGroup(keys: ["root": "", "node": "/nodes"]),
            "node": KeyGroup(under: ["base.node"], keys: ["name": "", "stats": "/statistics", "new": "/new"]),
        ])
        let diff = SchemaDiff(from: old, to: new)
        #expect(diff.groups == ["node": GroupDiff(added: ["new"], removed: ["gone"],
                                                  renamed: ["stats": KeyMove(from: "/stats", to: "/statistics")])])
    }
}
