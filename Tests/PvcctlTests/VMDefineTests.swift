import ClusterClient
import Foundation
import Testing

@Suite("ClusterClient define: PVC's define_vm keys, refusals, placement")
struct VMDefineTests {
    @Test("define writes exactly PVC's define_vm keys and values, and nothing else")
    func defineKeys() async throws {
        try await withVMCluster { cluster in
            try await cluster.threeNodes()
            let uuid = "0f8d7c9e-1b2a-4c3d-8e4f-5a6b7c8d9e0f"
            let xml = VMTestCluster.domainXML(name: "web1", uuid: uuid, rbd: ["vms/web1_disk0", "vms/web1_disk1"])
            let result = try await cluster.client.define(xml: xml, node: "hv2", selector: "load", limit: ["hv2", "hv3"],
                                                         autostart: true, method: .live)
            // The contract (pvc-client-contract.md §2), written out rather than derived.
            let expected: [String: String] = [
                "": "web1", "/xml": xml, "/state": "stop", "/profile": "", "/stats": "", "/node": "hv2",
                "/lastnode": "", "/failedreason": "", "/rbdlist": "vms/web1_disk0,vms/web1_disk1",
                "/consolelog": "", "/vnc": "", "/node_autostart": "True", "/migration_method": "live",
                "/migration_max_downtime": "300", "/node_limit": "hv2,hv3", "/node_selector": "load", "/tags": "",
                "/migrate_sync_lock": "", "/snapshots": "",
            ]
            let root = "/domains/\(uuid)"
            let tree = try await cluster.sandbox.tree().filter { $0.hasPrefix(root) }
            #expect(tree == Set(expected.keys.map { root + $0 }))
            for (key, value) in expected {
                #expect(try await cluster.text(root + key) == value, "\(key)")
            }
            #expect(result.written.count == expected.count)
            #expect(result.written.first?.path == root)
            #expect(result.vm == VMIdentity(uuid: uuid, name: "web1"))
        }
    }

    @Test("defaults: autostart False, method none, selector none, no limit, no rbd volumes")
    func defineDefaults() async throws {
        try await withVMCluster { cluster in
            try await cluster.threeNodes()
            let uuid = try await cluster.define("db1", on: "hv1")
            let root = "/domains/\(uuid)"
            #expect(try await cluster.text(root + "/node_autostart") == "False")
            #expect(try await cluster.text(root + "/migration_method") == "none")
            #expect(try await cluster.text(root + "/node_selector") == "none")
            #expect(try await cluster.text(root + "/node_limit") == "")
            #expect(try await cluster.text(root + "/rbdlist") == "")
            #expect(try await cluster.text(root + "/node") == "hv1")
        }
    }

    @Test("refused: no name, no uuid, not XML, a duplicate name or UUID, an unknown node or limit node")
    func defineRefusals() async throws {
        try await withVMCluster { cluster in
            try await cluster.threeNodes()
            let client = cluster.client
            let uuid = try await cluster.define("web1", on: "hv1")
            let other = UUID().uuidString.lowercased()
            await expectRefusal(.invalidXML("no <name> in <domain>")) {
                try await client.define(xml: VMTestCluster.domainXML(name: nil, uuid: other), node: "hv1")
            }
            await expectRefusal(.invalidXML("no <uuid> in <domain>")) {
                try await client.define(xml: VMTestCluster.domainXML(name: "x", uuid: nil), node: "hv1")
            }
            do {
                _ = try await client.define(xml: "<domain><name>x</name>", node: "hv1")
                Issue.record("unclosed XML was accepted")
            } catch let error as ClusterClientError {
                guard case .invalidXML = error else { throw error }
            }
            await expectRefusal(.alreadyDefined(field: "name", value: "web1", existing: "'web1' (\(uuid))")) {
                try await client.define(xml: VMTestCluster.domainXML(name: "web1", uuid: other), node: "hv1")
            }
            await expectRefusal(.alreadyDefined(field: "UUID", value: uuid, existing: "'web1' (\(uuid))")) {
                try await client.define(xml: VMTestCluster.domainXML(name: "web2", uuid: uuid), node: "hv1")
            }
            await expectRefusal(.noSuchNode("hv9")) {
                try await client.define(xml: VMTestCluster.domainXML(name: "web2", uuid: other), node: "hv9")
            }
            await expectRefusal(.noSuchNode("hv9")) {
                try await client.define(xml: VMTestCluster.domainXML(name: "web2", uuid: other), limit: ["hv1", "hv9"])
            }
            // Nothing of the refused VMs was written.
            #expect(try await cluster.store.children("/domains") == [uuid])
        }
    }

    @Test("without a node: the node with most memfree; a tie goes to the smallest name")
    func definePlacement() async throws {
        try await withVMCluster { cluster in
            try await cluster.node("hv1", memfree: 1000)
            try await cluster.node("hv2", memfree: 3000)
            try await cluster.node("hv3", memfree: 2000)
            try await cluster.node("hv4", domain: "flushed", memfree: 9000)
            let first = try await cluster.client.define(
                xml: VMTestCluster.domainXML(name: "a", uuid: UUID().uuidString.lowercased()))
            #expect(try await cluster.text("/domains/\(first.vm.uuid)/node") == "hv2")

            try await cluster.write("/nodes/hv3/memfree", "3000")
            let tie = try await cluster.client.define(
                xml: VMTestCluster.domainXML(name: "b", uuid: UUID().uuidString.lowercased()))
            #expect(try await cluster.text("/domains/\(tie.vm.uuid)/node") == "hv2")

            let limited = try await cluster.client.define(
                xml: VMTestCluster.domainXML(name: "c", uuid: UUID().uuidString.lowercased()), limit: ["hv1", "hv3"])
            #expect(try await cluster.text("/domains/\(limited.vm.uuid)/node") == "hv3")
        }
    }

    @Test("list and info by name or UUID")
    func listAndInfo() async throws {
        try await withVMCluster { cluster in
            try await cluster.threeNodes()
            let b = try await cluster.define("b", on: "hv2")
            let a = try await cluster.define("a", on: "hv1", limit: ["hv1", "hv2"])
            let list = try await cluster.client.list()
            #expect(list.map(\.name) == ["a", "b"])
            #expect(list.map(\.uuid) == [a, b])
            let byName = try await cluster.client.info("a")
            let byUUID = try await cluster.client.info(a)
            #expect(byName == byUUID)
            #expect(byName.state == "stop")
            #expect(byName.node == "hv1")
            #expect(byName.nodeLimit == "hv1,hv2")
            #expect(byName.autostart == "False")
            await expectRefusal(.noSuchVM("zzz")) { try await cluster.client.info("zzz") }
        }
    }
}
