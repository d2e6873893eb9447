import ClusterClient
import Foundation
import Testing
import VMCluster

#if canImport(Glibc)
import Glibc
#endif

/// Live, default and shutdown migrations between real libvirtds, driven as PVC's client drives
/// them, with what the client's `--wait` waits for; and the failure cases: a target that cannot
/// receive, a target daemon killed midway.
@Suite(.serialized, .timeLimit(.minutes(25)))
struct MigrationTests {
    /// The VM runs on `node` only, and the keys agree: state, node, and the node's running list
    /// once its next keepalive has been written.
    static func expectSettled(_ cluster: VMCluster, _ uuid: String, on node: String, lastNode: String,
                              sourceLocation: SourceLocation = #_sourceLocation) async throws {
        #expect(try await cluster.eventually { try await cluster.runningOn(uuid) == [node] },
                "\(cluster.logTails())", sourceLocation: sourceLocation)
        #expect(await cluster.value("/domains/\(uuid)/state") == "start", sourceLocation: sourceLocation)
        #expect(await cluster.value("/domains/\(uuid)/node") == node, sourceLocation: sourceLocation)
        #expect(await cluster.value("/domains/\(uuid)/lastnode") == lastNode, sourceLocation: sourceLocation)
        for name in VMCluster.nodeNames {
            let listed = try await cluster.waitFor("/nodes/\(name)/runningdomains", timeout: .seconds(30)) { value in
                let uuids = (value ?? "").split(separator: " ").map(String.init)
                return uuids.contains(uuid) == (name == node)
            }
            #expect(listed, "\(name)'s runningdomains disagree", sourceLocation: sourceLocation)
        }
    }

    @Test func liveMigrateMoveAndUnmigrate() async throws {
        try await VMCluster.with { cluster in
            let uuid = try await cluster.define(name: "mig1", node: "hv1")
            _ = try await cluster.client.start(uuid)
            try await Self.expectSettled(cluster, uuid, on: "hv1", lastNode: "")

            // migrate --wait returns when the state is no longer `migrate`: by then the VM must
            // already run on the target.
            _ = try await cluster.client.migrate(uuid, target: "hv2", live: true, wait: true, timeout: .seconds(120))
            #expect(try await cluster.runningOn(uuid) == ["hv2"])
            try await Self.expectSettled(cluster, uuid, on: "hv2", lastNode: "hv1")

            // unmigrate: home again, lastnode cleared.
            _ = try await cluster.client.unmigrate(uuid, wait: true, timeout: .seconds(120))
            #expect(try await cluster.runningOn(uuid) == ["hv1"])
            try await Self.expectSettled(cluster, uuid, on: "hv1", lastNode: "")

            // move without a target: chosen by the selector; lastnode stays empty.
            _ = try await cluster.client.move(uuid, wait: true, timeout: .seconds(120))
            let node = try #require(await cluster.value("/domains/\(uuid)/node"))
            #expect(node != "hv1")
            try await Self.expectSettled(cluster, uuid, on: node, lastNode: "")
        }
    }

    @Test func shutdownMigrationAndTheDefaultFallback() async throws {
        try await VMCluster.with { cluster in
            // Method `shutdown`: never live. The guest ignores ACPI, so it is destroyed at the
            // timeout and cold-started on the target.
            let offline = try await cluster.define(name: "off1", node: "hv1", method: .shutdown)
            _ = try await cluster.client.start(offline)
            try await Self.expectSettled(cluster, offline, on: "hv1", lastNode: "")
            let hv1 = try #require(cluster.libvirtds["hv1"])
            let pidBefore = try #require(hv1.guestPID(name: "off1"))
            _ = try await cluster.client.migrate(offline, target: "hv3", wait: true, timeout: .seconds(120))
            try await Self.expectSettled(cluster, offline, on: "hv3", lastNode: "hv1")
            #expect(cluster.libvirtds["hv3"]?.guestPID(name: "off1") != pidBefore)

            // Default method with a target whose libvirtd is gone: three live attempts fail, the
            // VM is shut down and handed over; the target's daemon cannot start it either, and
            // says so in `fail` — the VM runs nowhere, and the record tells why.
            let fallback = try await cluster.define(name: "fb1", node: "hv1")
            _ = try await cluster.client.start(fallback)
            try await Self.expectSettled(cluster, fallback, on: "hv1", lastNode: "")
            let hv2 = try #require(cluster.libvirtds["hv2"])
            try await hv2.stop()
            _ = try await cluster.client.migrate(fallback, target: "hv2", wait: true, timeout: .seconds(120))
            #expect(try await cluster.waitForState(fallback, "fail"), "\(cluster.logTails())")
            #expect(try await cluster.runningOn(fallback).isEmpty)
            #expect(await cluster.value("/domains/\(fallback)/failedreason")?.isEmpty == false)
        }
    }

    @Test func aRequiredLiveMigrationThatFailsLeavesTheVMRunningWhereItWas() async throws {
        try await VMCluster.with { cluster in
            let uuid = try await cluster.define(name: "live1", node: "hv1")
            _ = try await cluster.client.start(uuid)
            try await Self.expectSettled(cluster, uuid, on: "hv1", lastNode: "")
            let hv3 = try #require(cluster.libvirtds["hv3"])
            try await hv3.stop()
            // The client's wait reports the abort as an error, naming where the VM stayed.
            let error = await #expect(throws: ClusterClientError.self) {
                _ = try await cluster.client.migrate(uuid, target: "hv3", live: true, wait: true, timeout: .seconds(120))
            }
            guard case .migrationAborted(_, let node, let target)? = error else {
                Issue.record("expected the abort, got \(String(describing: error))")
                return
            }
            #expect(node == "hv1" && target == "hv3")
            // The abort: `start` here, node back to hv1, lastnode as before the migration.
            try await Self.expectSettled(cluster, uuid, on: "hv1", lastNode: "")
            for path in ["state", "node", "migrate_sync_lock"] {
                #expect(try await cluster.eventually(timeout: .seconds(10)) {
                    try await cluster.session.children("/domains/\(uuid)/\(path)").isEmpty
                }, "a lock left on \(path)")
            }
        }
    }

    @Test func aTargetDaemonKilledMidwayLeavesOneRunningCopyAndConsistentKeys() async throws {
        try await VMCluster.with { cluster in
            let uuid = try await cluster.define(name: "kill1", node: "hv1", memoryMiB: 128)
            _ = try await cluster.client.start(uuid)
            try await Self.expectSettled(cluster, uuid, on: "hv1", lastNode: "")
            _ = try await cluster.client.migrate(uuid, target: "hv2", live: true)
            // Kill the target's daemon as soon as libvirt has the incoming domain.
            let hv2 = try #require(cluster.libvirtds["hv2"])
            _ = try await cluster.eventually(timeout: .seconds(30), interval: .milliseconds(10)) {
                hv2.guestPID(name: "kill1") != nil
            }
            cluster.fleet.daemon("hv2")?.signal(SIGKILL)
            #expect(try await cluster.waitFor("/domains/\(uuid)/state", timeout: .seconds(120)) { $0 != "migrate-live" })
            let running = try await cluster.runningOn(uuid)
            #expect(running.count == 1, "running on \(running)")
            // The restarted daemon reports what its libvirt runs.
            _ = try cluster.fleet.restart("hv2")
            let node = try #require(running.first)
            let lastNode = node == "hv2" ? "hv1" : ""
            try await Self.expectSettled(cluster, uuid, on: node, lastNode: lastNode)
        }
    }
}
