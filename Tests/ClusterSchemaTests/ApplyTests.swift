import Coordination
import Testing
@testable import ClusterSchema

@Suite struct ApplyTests {
    /// PVC's base layout, pvc-node-daemon.md §1.2, written out independently of the JSON files.
    static let pvcBaseLayout: Set<String> = [
        "/schema", "/schema/version", "/config", "/config/maintenance", "/config/fence_lock",
        "/config/primary_node", "/config/primary_node/sync_lock", "/config/upstream_ip",
        "/config/migration_target_selector", "/logs", "/faults", "/nodes", "/domains", "/networks",
        "/ceph", "/ceph/health", "/ceph/util", "/ceph/osds", "/ceph/pools", "/ceph/volumes", "/ceph/snapshots",
    ]
    /// Our own keys (schema/extension.json), which `apply` creates with PVC's.
    static let ownKeys: Set<String> = ["/schema/migrated", "/sessions", "/ceph/updated"]

    @Test func applyOnAnEmptyTreeGivesExactlyTheBaseLayout() async throws {
        let server = InMemoryCoordination()
        let before = Set(server.dump().keys)
        let store = server.connect()
        let schema = try SchemaCatalog.bundled().schema(15)

        let created = try await schema.apply(to: store)

        let after = server.dump()
        #expect(Set(after.keys).subtracting(before) == Self.pvcBaseLayout.union(Self.ownKeys))
        #expect(Set(created) == Self.pvcBaseLayout.union(Self.ownKeys))
        #expect(after["/schema/version"]?.data == Array("15".utf8))
        #expect(after["/config/primary_node"]?.data == [])
        #expect(try await schema.validate(store).isValid)
        #expect(try await schema.apply(to: store).isEmpty)
    }

    @Test func validateNamesMissingBaseAndItemKeys() async throws {
        let server = InMemoryCoordination()
        let store = server.connect()
        let schema = try SchemaCatalog.bundled().schema(15)
        try await schema.apply(to: store)
        _ = try await store.create("/nodes/hv1", data: Array("hypervisor".utf8), mode: .persistent)
        try await store.delete("/config/fence_lock")

        let report = try await schema.validate(store)

        #expect(report.missingBaseKeys == [MissingKey(key: "base.config.fence_lock", path: "/config/fence_lock")])
        let nodeKeys = (schema.groups["node"]?.keys.values.filter { !$0.isEmpty } ?? []).map { "/nodes/hv1" + $0 }
        #expect(Set(report.missingItemKeys.map(\.path)) == Set(nodeKeys))
        #expect(report.missingItemKeys.contains(MissingKey(key: "node.keepalive", path: "/nodes/hv1/keepalive")))
    }

    @Test func applyFillsItemsWithDefaultsAndTouchesNothingElse() async throws {
        let server = InMemoryCoordination()
        let store = server.connect()
        let schema = try SchemaCatalog.bundled().schema(15)
        try await schema.apply(to: store)
        _ = try await store.create("/domains/u1", data: Array("vm1".utf8), mode: .persistent)
        _ = try await store.create("/ceph/pools/vms", data: [], mode: .persistent)
        _ = try await store.create("/ceph/osds/0", data: [], mode: .persistent)
        _ = try await store.set("/config/maintenance", data: Array("true".utf8))

        try await schema.apply(to: store)

        let tree = server.dump()
        #expect(tree["/domains/u1/migration_max_downtime"]?.data == Array("300".utf8))
        #expect(tree["/ceph/pools/vms/tier"]?.data == Array("default".utf8))
        #expect(tree["/ceph/osds/0/is_split"]?.data == Array("False".utf8))
        #expect(tree["/domains/u1"]?.data == Array("vm1".utf8))
        #expect(tree["/config/maintenance"]?.data == Array("true".utf8))
        #expect(try await schema.validate(store).isValid)
        // The sub-item parents were created empty; no sub-items were invented.
        #expect(try await store.children("/domains/u1/tags").isEmpty)
    }
}
