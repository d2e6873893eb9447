import Testing
@testable import ClusterSchema

@Suite struct ResolutionTests {
    let v15: SchemaVersion
    let v0: SchemaVersion

    init() throws {
        let catalog = try SchemaCatalog.bundled()
        v15 = try catalog.schema(15)
        v0 = try catalog.schema(0)
    }

    @Test func baseKeys() throws {
        #expect(try v15.path("base.config.primary_node") == "/config/primary_node")
        #expect(try v15.path("base.config.primary_node.sync_lock") == "/config/primary_node/sync_lock")
        #expect(try v15.path("base.schema.version") == "/schema/version")
        #expect(try v15.path("base.storage.health") == "/ceph/health")
        #expect(try v15.path("base.root") == "/")
    }

    @Test func perItemKeysAndRoots() throws {
        #expect(try v15.path("node.keepalive", item: "hv1") == "/nodes/hv1/keepalive")
        #expect(try v15.path("node.data.active_schema", item: "hv1") == "/nodes/hv1/activeschema")
        #expect(try v15.path("node", item: "hv1") == "/nodes/hv1")
        #expect(try v15.path("node.name", item: "hv1") == "/nodes/hv1")
        #expect(try v15.path("domain.meta.migrate_max_downtime", item: "u1") == "/domains/u1/migration_max_downtime")
        #expect(try v15.path("osd.ofsid", item: "3") == "/ceph/osds/3/fsid/osd")
        #expect(try v15.path("volume.stats", item: "vms/disk0") == "/ceph/volumes/vms/disk0/stats")
        #expect(try v15.path("snapshot", item: "vms/disk0/s1") == "/ceph/snapshots/vms/disk0/s1")
    }

    @Test func subItems() throws {
        #expect(try v15.path("node.sriov.vf", item: "hv1", subKey: "sriov_vf.config.trust", subItem: "ens1f1v3")
            == "/nodes/hv1/sriov/vf/ens1f1v3/config/trust")
        #expect(try v15.path("node.sriov.vf", item: "hv1", subKey: "sriov_vf", subItem: "ens1f1v3")
            == "/nodes/hv1/sriov/vf/ens1f1v3")
        #expect(try v15.path("network.rule.out", item: "100", subKey: "rule.order", subItem: "allow-ssh")
            == "/networks/100/firewall_rules/out/allow-ssh/order")
        #expect(try v15.path("domain.snapshots", item: "u1", subKey: "domain_snapshot.rbd_snapshots", subItem: "s1")
            == "/domains/u1/snapshots/s1/rbdsnaplist")
    }

    @Test func unknownKeysAreErrors() throws {
        #expect(throws: SchemaError.unknownKey("node.nope")) { try v15.path("node.nope", item: "hv1") }
        #expect(throws: SchemaError.unknownKey("nope.x")) { try v15.path("nope.x", item: "hv1") }
        #expect(throws: SchemaError.unknownKey("base.cmd")) { try v15.path("base.cmd") }
        // Keys exist only from the version that introduced them.
        #expect(throws: SchemaError.unknownKey("node.sriov.vf")) { try v0.path("node.sriov.vf", item: "hv1") }
        #expect(try v0.path("base.cmd.domain") == "/cmd/domains")
    }

    @Test func wrongFormsAreErrors() {
        #expect(throws: SchemaError.self) { try v15.path("node.keepalive") }
        #expect(throws: SchemaError.self) { try v15.path("base.config", item: "hv1") }
        // A sub-item group cannot be reached without its parent item.
        #expect(throws: SchemaError.self) { try v15.path("sriov_vf.mtu", item: "ens1f1v3") }
        #expect(throws: SchemaError.notUnder(subKey: "sriov_vf.config.trust", parentKey: "node.sriov.pf")) {
            try v15.path("node.sriov.pf", item: "hv1", subKey: "sriov_vf.config.trust", subItem: "ens1f1v3")
        }
    }

    @Test(arguments: ["", "..", "a/b", "hv1/", "/hv1"])
    func itemNamesCannotLeaveTheirParent(item: String) {
        #expect(throws: SchemaError.invalidItem(group: "node", item: item)) {
            try v15.path("node.keepalive", item: item)
        }
    }

    @Test func multiSegmentItemsNeedExactlyTheirDepth() {
        #expect(throws: SchemaError.invalidItem(group: "volume", item: "disk0")) {
            try v15.path("volume.stats", item: "disk0")
        }
    }
}
