import ClusterClient
import Coordination
import Foundation
import Testing

@Suite("ClusterClient migrate/move/unmigrate (pvc-node-daemon.md §7.3)")
struct VMMigrationTests {
    /// state, node, lastnode of a VM.
    private func placement(_ cluster: VMTestCluster, _ uuid: String) async throws -> [String?] {
        [try await cluster.text("/domains/\(uuid)/state"), try await cluster.text("/domains/\(uuid)/node"),
         try await cluster.text("/domains/\(uuid)/lastnode")]
    }

    @Test("migrate to a target: state migrate (or migrate-live), node, lastnode in one write")
    func migrateToTarget() async throws {
        try await withVMCluster { cluster in
            try await cluster.threeNodes()
            let uuid = try await cluster.define("web1", on: "hv1")
            try await cluster.set(uuid, ["state": "start"])
            let result = try await cluster.client.migrate("web1", target: "hv2")
            #expect(result.written == [KeyValue(path: "/domains/\(uuid)/state", value: "migrate"),
                                       KeyValue(path: "/domains/\(uuid)/node", value: "hv2"),
                                       KeyValue(path: "/domains/\(uuid)/lastnode", value: "hv1")])
            #expect(try await placement(cluster, uuid) == ["migrate", "hv2", "hv1"])
            #expect(try await cluster.contenders("/domains/\(uuid)/state").isEmpty)

            try await cluster.set(uuid, ["state": "start", "lastnode": ""])
            _ = try await cluster.client.migrate("web1", target: "hv3", live: true)
            #expect(try await placement(cluster, uuid) == ["migrate-live", "hv3", "hv2"])
        }
    }

    @Test("a VM that is not running keeps its state; only node and lastnode change")
    func migrateStopped() async throws {
        try await withVMCluster { cluster in
            try await cluster.threeNodes()
            let uuid = try await cluster.define("web1", on: "hv1")
            // --wait has nothing to wait for: no node changes a stopped VM's state.
            let result = try await cluster.client.migrate("web1", target: "hv2", wait: true, timeout: .seconds(5))
            #expect(!result.waited)
            #expect(try await placement(cluster, uuid) == ["stop", "hv2", "hv1"])
        }
    }

    @Test("refused: lastnode set without force, target == current, outside node_limit, unknown node")
    func refusals() async throws {
        try await withVMCluster { cluster in
            try await cluster.threeNodes()
            let uuid = try await cluster.define("web1", on: "hv1", limit: ["hv1", "hv2"])
            let vm = "'web1' (\(uuid))"
            try await cluster.set(uuid, ["state": "start"])
            let client = cluster.client
            await expectRefusal(.alreadyOnNode(vm: vm, node: "hv1")) { try await client.migrate("web1", target: "hv1") }
            await expectRefusal(.targetOutsideLimit(vm: vm, target: "hv3", limit: "hv1,hv2")) {
                try await client.migrate("web1", target: "hv3")
            }
            await expectRefusal(.noSuchNode("hv9")) { try await client.migrate("web1", target: "hv9") }
            await expectRefusal(.noSuchVM("web9")) { try await client.migrate("web9", target: "hv2") }
            #expect(try await placement(cluster, uuid) == ["start", "hv1", ""])

            try await cluster.set(uuid, ["node": "hv2", "lastnode": "hv1"])
            await expectRefusal(.previouslyMigrated(vm: vm, lastNode: "hv1")) {
                try await client.migrate("web1", target: "hv1")
            }
            #expect(try await placement(cluster, uuid) == ["start", "hv2", "hv1"])
            #expect(try await cluster.contenders("/domains/\(uuid)/state").isEmpty)
        }
    }

    @Test("a forced re-migration keeps the original lastnode")
    func forcedMigrationKeepsHome() async throws {
        try await withVMCluster { cluster in
            try await cluster.threeNodes()
            let uuid = try await cluster.define("web1", on: "hv1")
            try await cluster.set(uuid, ["state": "start", "node": "hv2", "lastnode": "hv1"])
            _ = try await cluster.client.migrate("web1", target: "hv3", force: true)
            #expect(try await placement(cluster, uuid) == ["migrate", "hv3", "hv1"])
        }
    }

    @Test("without a target: most memfree among run+ready nodes other than the current one; ties by name")
    func targetSelection() async throws {
        try await withVMCluster { cluster in
            try await cluster.node("hv1", memfree: 9000)
            try await cluster.node("hv2", memfree: 2000)
            try await cluster.node("hv3", memfree: 3000)
            try await cluster.node("hv4", daemon: "stop", memfree: 8000)
            try await cluster.node("hv5", domain: "flushed", memfree: 8000)
            let uuid = try await cluster.define("web1", on: "hv1")
            try await cluster.set(uuid, ["state": "start"])
            let chosen = try await cluster.client.migrate("web1")
            #expect(chosen.written.map(\.value) == ["migrate", "hv3", "hv1"])
            #expect(chosen.warnings.isEmpty)
            #expect(chosen.targetChoice == "hv3 by mem (memfree: 3000 MiB)")

            try await cluster.set(uuid, ["state": "start", "node": "hv1", "lastnode": ""])
            try await cluster.write("/nodes/hv2/memfree", "3000")
            let tie = try await cluster.client.migrate("web1")
            #expect(tie.written.map(\.value) == ["migrate", "hv2", "hv1"])

            // The VM's own selector wins over the cluster's: fewest running VMs.
            try await cluster.set(uuid, ["state": "start", "node": "hv1", "lastnode": "", "node_selector": "vms"])
            try await cluster.write("/nodes/hv2/domainscount", "5")
            try await cluster.write("/nodes/hv3/domainscount", "1")
            let byVMs = try await cluster.client.migrate("web1")
            #expect(byVMs.written.map(\.value) == ["migrate", "hv3", "hv1"])
        }
    }

    @Test("no eligible target: refused with the reason, nothing written")
    func noTarget() async throws {
        try await withVMCluster { cluster in
            try await cluster.node("hv1")
            try await cluster.node("hv2", domain: "flush")
            let uuid = try await cluster.define("web1", on: "hv1")
            try await cluster.set(uuid, ["state": "start"])
            do {
                _ = try await cluster.client.migrate("web1")
                Issue.record("migrated with no eligible target")
            } catch let error as ClusterClientError {
                guard case .noTarget(_, let summary) = error else { throw error }
                #expect(summary.contains("hv2 domainstate 'flush'"), "\(summary)")
            }
            #expect(try await placement(cluster, uuid) == ["start", "hv1", ""])
        }
    }

    @Test("move clears lastnode; move to the current node with lastnode set only clears lastnode")
    func move() async throws {
        try await withVMCluster { cluster in
            try await cluster.threeNodes()
            let uuid = try await cluster.define("web1", on: "hv1")
            try await cluster.set(uuid, ["state": "start", "node": "hv2", "lastnode": "hv1"])
            let permanent = try await cluster.client.move("web1", target: "hv2")
            #expect(permanent.written == [KeyValue(path: "/domains/\(uuid)/lastnode", value: "")])
            #expect(try await placement(cluster, uuid) == ["start", "hv2", ""])
            await expectRefusal(.alreadyOnNode(vm: "'web1' (\(uuid))", node: "hv2")) {
                try await cluster.client.move("web1", target: "hv2")
            }
            _ = try await cluster.client.move("web1", target: "hv3")
            #expect(try await placement(cluster, uuid) == ["migrate", "hv3", ""])
        }
    }

    @Test("unmigrate returns to lastnode and clears it; refused without lastnode")
    func unmigrate() async throws {
        try await withVMCluster { cluster in
            try await cluster.threeNodes()
            let uuid = try await cluster.define("web1", on: "hv1")
            try await cluster.set(uuid, ["state": "start"])
            await expectRefusal(.notPreviouslyMigrated(vm: "'web1' (\(uuid))")) {
                try await cluster.client.unmigrate("web1")
            }
            try await cluster.set(uuid, ["node": "hv3", "lastnode": "hv1"])
            let result = try await cluster.client.unmigrate("web1")
            #expect(result.written.map(\.value) == ["migrate", "hv1", ""])
            #expect(try await placement(cluster, uuid) == ["migrate", "hv1", ""])
        }
    }

    @Test("--wait ends when the receiving node writes start; an abort back on the source is an error")
    func migrateWait() async throws {
        try await withVMCluster { cluster in
            try await cluster.threeNodes()
            let uuid = try await cluster.define("web1", on: "hv1")
            let state = "/domains/\(uuid)/state"
            try await cluster.set(uuid, ["state": "start"])
            let receiver = cluster.respond(at: state, when: "migrate", with: [(state, "start")])
            let done = try await cluster.client.migrate("web1", target: "hv2", wait: true, timeout: VMTestCluster.waitLimit)
            try await receiver.value
            #expect(done.waited && done.finalState == "start")

            // The source aborts: node back to itself, state start.
            let node = "/domains/\(uuid)/node"
            let aborter = cluster.respond(at: state, when: "migrate", with: [(node, "hv2"), (state, "start")])
            await expectRefusal(.migrationAborted(vm: "'web1' (\(uuid))", node: "hv2", target: "hv3")) {
                try await cluster.client.move("web1", target: "hv3", wait: true, timeout: VMTestCluster.waitLimit)
            }
            try await aborter.value
        }
    }

    @Test("a state lock held elsewhere (a migrating node) bounds the request")
    func lockHeld() async throws {
        try await withVMCluster { cluster in
            try await cluster.threeNodes()
            let uuid = try await cluster.define("web1", on: "hv1")
            let state = "/domains/\(uuid)/state"
            // Another session holds the exclusive lock, in Kazoo's naming, as a migrating node would.
            let lock = CoordinationLock(store: cluster.sandbox.admin, path: cluster.sandbox.chroot + state, kind: .exclusive)
            let lease = try await lock.acquire(timeout: .seconds(30))
            let impatient = ClusterClient(store: cluster.store, schema: cluster.client.schema, lockTimeout: .seconds(1))
            await expectRefusal(.lockTimeout(path: state, timeout: .seconds(1))) { try await impatient.start("web1") }
            #expect(try await cluster.text(state) == "stop")
            try await lease.release()
            _ = try await impatient.start("web1")
            #expect(try await cluster.text(state) == "start")
        }
    }
}
