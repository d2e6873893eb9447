import ClusterClient
import Foundation
import Testing
import VMCluster

/// Flush and ready with real migrations: eight VMs leave a node in parallel and come back; a
/// flush cancelled by a ready ends cleanly; a VM that cannot leave ends the flush in
/// `flush-failed`, named in its `failedreason`.
@Suite(.serialized, .timeLimit(.minutes(25)))
struct FlushTests {
    @Test func flushOfEightAndReadyBringsThemHome() async throws {
        try await VMCluster.with { cluster in
            var uuids: [String] = []
            for index in 1...8 {
                let uuid = try await cluster.define(name: "fl\(index)", node: "hv1")
                _ = try await cluster.client.start(uuid)
                uuids.append(uuid)
            }
            for uuid in uuids {
                #expect(try await cluster.eventually { try await cluster.runningOn(uuid) == ["hv1"] }, "\(cluster.logTails())")
            }

            let flushed = try await cluster.client.flush("hv1", wait: true, timeout: .seconds(300))
            #expect(flushed.finalState == "flushed")
            var targets: Set<String> = []
            for uuid in uuids {
                let running = try await cluster.runningOn(uuid)
                #expect(running.count == 1 && running.first != "hv1", "\(uuid) runs on \(running)")
                #expect(await cluster.value("/domains/\(uuid)/state") == "start")
                #expect(await cluster.value("/domains/\(uuid)/lastnode") == "hv1")
                if let node = running.first { targets.insert(node) }
            }
            // In-flight accounting spreads four parallel choices over both targets.
            #expect(targets == ["hv2", "hv3"])
            #expect(try await cluster.waitFor("/nodes/hv1/runningdomains", timeout: .seconds(30)) { $0 == "" })

            let readied = try await cluster.client.ready("hv1", wait: true, timeout: .seconds(300))
            #expect(readied.finalState == "ready")
            for uuid in uuids {
                #expect(try await cluster.eventually { try await cluster.runningOn(uuid) == ["hv1"] }, "\(cluster.logTails())")
                #expect(await cluster.value("/domains/\(uuid)/node") == "hv1")
                #expect(await cluster.value("/domains/\(uuid)/lastnode") == "")
            }
        }
    }

    @Test func aReadyCancelsARunningFlushAndAVMThatCannotLeaveFailsTheFlush() async throws {
        var options = VMCluster.Options()
        options.maxParallel = 1
        options.maxRetries = 2
        try await VMCluster.with(options) { cluster in
            var uuids: [String] = []
            for index in 1...4 {
                let uuid = try await cluster.define(name: "cx\(index)", node: "hv2")
                _ = try await cluster.client.start(uuid)
                uuids.append(uuid)
            }
            for uuid in uuids {
                #expect(try await cluster.eventually { try await cluster.runningOn(uuid) == ["hv2"] }, "\(cluster.logTails())")
            }
            // One at a time: the ready lands while the flush is still moving VMs.
            _ = try await cluster.client.flush("hv2")
            #expect(try await cluster.waitFor("/domains/\(uuids[0])/state", timeout: .seconds(60)) { $0 == "migrate" })
            let readied = try await cluster.client.ready("hv2", wait: true, timeout: .seconds(300))
            #expect(readied.finalState == "ready")
            // Nothing wedged: every VM settles in `start`, running in exactly one place.
            for uuid in uuids {
                #expect(try await cluster.waitForState(uuid, "start", timeout: .seconds(120)))
                #expect(try await cluster.eventually { try await cluster.runningOn(uuid).count == 1 })
            }
            #expect(cluster.fleet.daemon("hv2")?.log.contains("cancelled") == true, "\(cluster.logTails())")

            // A live-only VM limited to a node whose libvirtd is gone cannot leave: two attempts,
            // then `flush-failed` with the VM named.
            let stuck = try await cluster.define(name: "stuck1", node: "hv1", method: .live, limit: ["hv1", "hv3"])
            _ = try await cluster.client.start(stuck)
            #expect(try await cluster.eventually { try await cluster.runningOn(stuck) == ["hv1"] })
            try await cluster.libvirtds["hv3"]?.stop()
            let error = await #expect(throws: ClusterClientError.self) {
                _ = try await cluster.client.flush("hv1", wait: true, timeout: .seconds(300))
            }
            #expect(error != nil)
            #expect(await cluster.value("/nodes/hv1/domainstate") == "flush-failed", "\(cluster.logTails())")
            let reason = await cluster.value("/domains/\(stuck)/failedreason") ?? ""
            #expect(reason.contains("hv3"), "failedreason: \(reason)")
            #expect(try await cluster.runningOn(stuck) == ["hv1"])
            #expect(await cluster.value("/domains/\(stuck)/state") == "start")
            #expect(await cluster.value("/domains/\(stuck)/node") == "hv1")
        }
    }
}
