import Coordination
import Testing
@testable import ClusterSchema

@Suite struct MigrationTests {
    @Test func migrateUpAndBackStepByStepKeepsEveryKeyInsideItsItem() async throws {
        let catalog = try SchemaCatalog.bundled()
        var cluster = PopulatedCluster()
        try await cluster.populateVersion0(try catalog.schema(0))
        let version0Tree = cluster.server.dump().filter { !cluster.preexisting.contains($0.key) }
        #expect(cluster.strayPaths(try catalog.schema(0)).isEmpty)
        #expect(version0Tree["/cmd/nodes"] != nil)

        for version in 1 ... 15 {
            try await catalog.migrate(cluster.store, from: version - 1, to: version)
            let schema = try catalog.schema(version)
            #expect(cluster.strayPaths(schema) == [], "after migrating to \(version)")
            #expect(try await schema.validate(cluster.store).missing == [], "after migrating to \(version)")
        }

        let tree = cluster.server.dump()
        #expect(tree["/cmd"] == nil)
        #expect(tree["/config/fence_lock"] != nil)
        #expect(tree["/domains/u2/migration_max_downtime"]?.data == Array("300".utf8))
        #expect(tree["/ceph/pools/vms/tier"]?.data == Array("default".utf8))
        #expect(tree["/ceph/osds/1/is_split"]?.data == Array("False".utf8))
        #expect(tree["/ceph/osds/1/fsid/cluster"] != nil)
        #expect(tree["/nodes/hv2/network_stats"] != nil)
        #expect(tree["/nodes/hv1/keepalive"]?.data == Array("1700000000".utf8))
        // PVC's item-less migration created these at the root.
        #expect(tree["/network_stats"] == nil && tree["/migration_max_downtime"] == nil)

        try await cluster.populateVersion15(try catalog.schema(15))
        #expect(cluster.strayPaths(try catalog.schema(15)) == [])
        #expect(cluster.server.dump()["/nodes/hv1/sriov/vf/ens1f1v3/config/trust"] != nil)

        for version in (0 ... 14).reversed() {
            try await catalog.migrate(cluster.store, from: version + 1, to: version)
            let schema = try catalog.schema(version)
            #expect(cluster.strayPaths(schema) == [], "after rolling back to \(version)")
            #expect(try await schema.validate(cluster.store).missing == [], "after rolling back to \(version)")
        }

        // Back at 0: the very tree we started with, data included.
        let rolledBack = cluster.server.dump().filter { !cluster.preexisting.contains($0.key) }
        #expect(Set(rolledBack.keys) == Set(version0Tree.keys))
        #expect(rolledBack.mapValues(\.data) == version0Tree.mapValues(\.data))
    }

    @Test func migrateInOneCallMatchesStepByStep() async throws {
        let catalog = try SchemaCatalog.bundled()
        var stepwise = PopulatedCluster()
        var direct = PopulatedCluster()
        try await stepwise.populateVersion0(try catalog.schema(0))
        try await direct.populateVersion0(try catalog.schema(0))
        for version in 1 ... 15 { try await catalog.migrate(stepwise.store, from: version - 1, to: version) }

        try await catalog.migrate(direct.store, from: 0, to: 15)

        #expect(direct.paths == stepwise.paths)
        #expect(direct.strayPaths(try catalog.schema(15)) == [])
    }

    @Test func renamedKeysMovePerItemWithTheirData() async throws {
        let base = KeyGroup(keys: ["root": "", "node": "/nodes", "old": "/old"])
        let movedBase = KeyGroup(keys: ["root": "", "node": "/nodes", "old": "/renamed"])
        let old = try SchemaVersion(version: 0, groups: [
            "base": base, "node": KeyGroup(under: ["base.node"], keys: ["name": "", "stats": "/stats"]),
        ])
        let new = try SchemaVersion(version: 1, groups: [
            "base": movedBase, "node": KeyGroup(under: ["base.node"], keys: ["name": "", "stats": "/statistics"]),
        ])
        let catalog = try SchemaCatalog([old, new])
        let server = InMemoryCoordination()
        let store = server.connect()
        try await old.apply(to: store)
        for node in ["hv1", "hv2"] {
            _ = try await store.create("/nodes/\(node)", data: [], mode: .persistent)
        }
        try await old.apply(to: store)
        _ = try await store.set("/nodes/hv1/stats", data: Array("{}".utf8))
        _ = try await store.create("/old/child", data: Array("kept".utf8), mode: .persistent)

        try await catalog.migrate(store, from: 0, to: 1)

        let tree = server.dump()
        #expect(tree["/nodes/hv1/statistics"]?.data == Array("{}".utf8))
        #expect(tree["/nodes/hv2/statistics"] != nil)
        #expect(tree["/nodes/hv1/stats"] == nil && tree["/stats"] == nil && tree["/statistics"] == nil)
        #expect(tree["/renamed/child"]?.data == Array("kept".utf8))
        #expect(tree["/old"] == nil)

        try await catalog.migrate(store, from: 1, to: 0)
        #expect(server.dump()["/nodes/hv2/stats"] != nil)
        #expect(server.dump()["/nodes/hv2/statistics"] == nil)
    }
}
