import FenceCluster
import LocalServices
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 6's real fencing tests: three pvcnoded with a libvirtd and a simulated BMC each
/// (ipmi_sim, whose power off SIGKILLs the node's daemon and guests), at the fast profile
/// (keepalive 1 s, dead after 3 s, two saving throws).
@Suite(.serialized, .timeLimit(.minutes(10)))
struct FencingTests {
    static let resourceKeys = ["memused", "memfree", "memalloc", "memprov", "vcpualloc", "cpuload", "domainscount"]

    @Test func aCrashedHypervisorIsFencedAndItsVMsStartOnThePeers() async throws {
        try await FenceCluster.with(.fast) { cluster in
            let victim = await cluster.nonPrimary()
            let peers = FenceCluster.nodeNames.filter { $0 != victim }
            let uuids = try await cluster.startGuests(["fc1", "fc2"], on: victim)
            let recorder = cluster.recordDaemonStates(extra: ["/nodes/\(victim)/domainstate"]
                + Self.resourceKeys.map { "/nodes/\(victim)/\($0)" } + ["/nodes/\(victim)/runningdomains"])
            defer { recorder.stop() }
            let sampler = GuestSampler()
            sampler.start(cluster.vm.hypervisors, libvirtds: cluster.vm.libvirtds)
            let killed = ContinuousClock.now

            await cluster.killDaemon(victim)
            let dead = await recorder.waitFor("/nodes/\(victim)/daemonstate", "dead", timeout: .seconds(30))
            #expect(dead != nil, "\(cluster.logTails())")
            let fenced = await recorder.waitFor("/nodes/\(victim)/daemonstate", "fenced", timeout: .seconds(60))
            try #require(fenced != nil, "never fenced: \(recorder.values("/nodes/\(victim)/daemonstate"))\n\(cluster.logTails())")
            if let dead {
                // Not before the threshold, nor before the saving throws.
                #expect(killed.duration(to: dead) >= .seconds(2), "dead after \(killed.duration(to: dead))")
                if let fenced { #expect(dead.duration(to: fenced) >= .seconds(1)) }
            }
            #expect(try await cluster.waitFor("/nodes/\(victim)/domainstate", timeout: .seconds(60)) { $0 == "flushed" },
                    "\(cluster.logTails())")
            #expect(recorder.values("/nodes/\(victim)/domainstate").contains("fence-flush"),
                    "\(recorder.values("/nodes/\(victim)/domainstate"))")

            // Each VM: `start` on a peer, lastnode the victim, running there and nowhere else.
            for uuid in uuids {
                let settled = try await cluster.eventually(timeout: .seconds(90)) {
                    let running = try await cluster.runningOn(uuid)
                    return running.count == 1 && peers.contains(running[0])
                }
                let runningNow = try await cluster.runningOn(uuid)
                #expect(settled, "\(uuid) runs on \(runningNow)\n\(cluster.logTails())")
                let node = await cluster.value("/domains/\(uuid)/node")
                #expect(await cluster.value("/domains/\(uuid)/state") == "start")
                #expect(try await cluster.runningOn(uuid) == [node ?? "-"], "node key \(node ?? "-")")
                #expect(await cluster.value("/domains/\(uuid)/lastnode") == victim)
            }
            await sampler.stop()
            #expect(sampler.doubleRuns(of: uuids).isEmpty, "\(sampler.doubleRuns(of: uuids))")

            // The victim's figures were zeroed by the fencer (its restarted daemon writes its own
            // later: the recorder's history is what shows the zeroing).
            for key in Self.resourceKeys {
                let path = "/nodes/\(victim)/\(key)"
                #expect(recorder.first(path, "0", after: fenced ?? killed) != nil || recorder.values(path).last == "0",
                        "\(key): \(recorder.values(path))")
            }
            #expect(try await cluster.waitFor("/nodes/\(victim)/runningdomains", timeout: .seconds(30)) { $0 == "" })

            // Off, then on: the BMC started the daemon again; it runs but stays flushed.
            let power = cluster.powerLog(victim)
            let off = power.firstIndex { $0.action == "off" }
            let on = power.lastIndex { $0.action == "on" && $0.result.hasPrefix("started") }
            #expect(off != nil && on != nil && off! < on!, "power.log: \(power)")
            #expect(try await cluster.waitFor("/nodes/\(victim)/daemonstate", timeout: .seconds(60)) { $0 == "run" },
                    "\(cluster.logTails())")
            #expect(cluster.daemonRuns(victim))
            try await Task.sleep(for: .seconds(4))
            #expect(await cluster.value("/nodes/\(victim)/domainstate") == "flushed")
            for uuid in uuids {
                #expect(await cluster.value("/domains/\(uuid)/node") != victim)
            }
            // Nobody else was ever dead.
            for peer in peers {
                let states = recorder.values("/nodes/\(peer)/daemonstate")
                #expect(!states.contains("dead") && !states.contains("fenced"), "\(peer): \(states)")
            }
        }
    }

    /// Issue 7 on top of the fence: the crashed node's VM has an RBD disk, and a client of that
    /// node still writes to it (an `rbd bench` writer, standing in for a process the crash did not
    /// stop). The fencer blocklists the volume's lock holders and watchers before it breaks the
    /// locks, so that client can write no more, and the VM starts on a peer with nobody else's lock.
    @Test func aFencedNodesCephClientsAreCutOffBeforeItsRBDBackedVMStartsElsewhere() async throws {
        let ceph = try await SharedTestCeph.cluster()
        var options = FenceCluster.Options.fast
        options.ceph = ceph
        try await FenceCluster.with(options) { cluster in
            let victim = await cluster.nonPrimary()
            let peers = FenceCluster.nodeNames.filter { $0 != victim }
            let volume = try await cluster.vm.createImage("fenced-\(UInt32.random(in: 0...UInt32.max))")
            let uuids = try await cluster.startGuests(["rb1"], on: victim, volumes: [[volume]])
            let writer = try ceph.spawnRBD(["bench", "--io-type", "write", "--io-size", "4K", "--io-threads", "1",
                                            "--io-total", "10G", "--io-pattern", "rand", volume])
            do {
                #expect(try await cluster.eventually(timeout: .seconds(30)) {
                    try await cluster.vm.rbdLocks(volume).contains { $0.id.hasPrefix("auto") }
                }, "the writer never took the volume's lock: \(writer.output)")
                let heldBefore = try await cluster.vm.rbdLocks(volume)
                let recorder = cluster.recordDaemonStates()
                defer { recorder.stop() }

                await cluster.killDaemon(victim)
                let fenced = await recorder.waitFor("/nodes/\(victim)/daemonstate", "fenced", timeout: .seconds(60))
                try #require(fenced != nil, "never fenced\n\(cluster.logTails())")
                // Blocklisted: its writes fail and it ends.
                #expect(await writer.waitForExit(seconds: 60), "the writer still runs after the fence: \(writer.output)")
                #expect(writer.exitStatus != 0, "\(writer.output)")
                let blocklist = try await ceph.ceph(["osd", "blocklist", "ls"])
                for lock in heldBefore {
                    #expect(blocklist.contains(lock.address), "\(lock.address) is not blocklisted: \(blocklist)")
                }
                #expect(!cluster.fenceLogLines(containing: "blocklisted a Ceph client").isEmpty, "\(cluster.logTails())")

                // The VM runs on one peer, in `start`, with none of the old holders' locks left.
                let settled = try await cluster.eventually(timeout: .seconds(90)) {
                    let running = try await cluster.runningOn(uuids[0])
                    return running.count == 1 && peers.contains(running[0])
                }
                #expect(settled, "\(cluster.logTails())")
                #expect(await cluster.value("/domains/\(uuids[0])/state") == "start")
                #expect(await cluster.value("/domains/\(uuids[0])/failedreason") ?? "" == "")
                let heldAfter = try await cluster.vm.rbdLocks(volume)
                #expect(heldAfter.allSatisfy { !heldBefore.contains($0) }, "\(heldAfter)")
            } catch {
                await writer.terminate()
                throw error
            }
            await writer.terminate()
        }
    }

    @Test func aBMCThatNeverPowersOffIsAFailedFenceAndNothingMoves() async throws {
        var options = FenceCluster.Options.fast
        options.stuckOn = ["hv1", "hv2", "hv3"]
        try await FenceCluster.with(options) { cluster in
            let victim = await cluster.nonPrimary()
            let uuids = try await cluster.startGuests(["st1", "st2"], on: victim)
            let recorder = cluster.recordDaemonStates()
            defer { recorder.stop() }
            // A hung machine: its daemon stopped, its guests running, its power on.
            cluster.freezeDaemon(victim)
            #expect(await recorder.waitFor("/nodes/\(victim)/daemonstate", "dead", timeout: .seconds(30)) != nil,
                    "\(cluster.logTails())")
            // The fencer asks for off; the BMC acknowledges it and nothing happens.
            #expect(try await cluster.eventually(timeout: .seconds(60)) {
                cluster.powerLog(victim).contains { $0.action == "off" && $0.result == "stuck" }
            }, "\(cluster.logTails())")
            // The verdict (never seen off) leaves everything where it was, with failed_fence: none.
            let failed = try await cluster.eventually(timeout: .seconds(60)) {
                cluster.fenceLogLines(containing: "fence of \(victim) failed").count > 0
            }
            #expect(failed, "\(cluster.logTails())")
            try await Task.sleep(for: .seconds(3))
            #expect(!recorder.values("/nodes/\(victim)/daemonstate").contains("fenced"),
                    "\(recorder.values("/nodes/\(victim)/daemonstate"))\n\(cluster.logTails())")
            #expect(await cluster.value("/nodes/\(victim)/daemonstate") == "dead")
            #expect(await cluster.value("/nodes/\(victim)/domainstate") == "ready")
            for uuid in uuids {
                #expect(await cluster.value("/domains/\(uuid)/state") == "start")
                #expect(await cluster.value("/domains/\(uuid)/node") == victim)
                #expect(try await cluster.runningOn(uuid) == [victim])
            }
            #expect(cluster.daemonPID(victim) != nil, "the frozen daemon was killed")
        }
    }

    @Test func anUnreachableBMCIsAFailedFenceThatDoesNotStallTheFencer() async throws {
        var options = FenceCluster.Options.fast
        options.unreachableBMC = ["hv2"]
        try await FenceCluster.with(options) { cluster in
            // Each node publishes its own BMC check: hv2's fails, the others' pass.
            for node in FenceCluster.nodeNames {
                let expected = node == "hv2" ? "false" : "true"
                let ok = try await cluster.waitFor("/nodes/\(node)/monitoring_data/ipmi/data", timeout: .seconds(60)) {
                    Self.okField($0) == expected
                }
                let data = await cluster.value("/nodes/\(node)/monitoring_data/ipmi/data") ?? "-"
                #expect(ok, "\(node): \(data)")
                #expect(await cluster.value("/nodes/\(node)/monitoring_data/ipmi/message") != nil)
            }
            #expect(try await cluster.makePrimary("hv1"), "\(cluster.logTails())")
            let uuids = try await cluster.startGuests(["un1", "un2"], on: "hv2")
            let recorder = cluster.recordDaemonStates()
            defer { recorder.stop() }

            await cluster.killDaemon("hv2")
            let dead = await recorder.waitFor("/nodes/hv2/daemonstate", "dead", timeout: .seconds(30))
            try #require(dead != nil, "\(cluster.logTails())")
            // The verdict comes in bounded time (ipmitool's own retries are bounded), after the
            // saving throws.
            let failed = try await cluster.eventually(timeout: cluster.options.fenceDelay + .seconds(30)) {
                cluster.fenceLogLines(containing: "fence of hv2 failed").count > 0
            }
            #expect(failed, "no failed fence of hv2 logged within 30 s of its saving throws\n\(cluster.logTails())")
            try await Task.sleep(for: .seconds(2))

            // hv2: a failed fence, its VMs untouched.
            #expect(!recorder.values("/nodes/hv2/daemonstate").contains("fenced"))
            #expect(await cluster.value("/nodes/hv2/daemonstate") == "dead")
            for uuid in uuids {
                #expect(await cluster.value("/domains/\(uuid)/state") == "start")
                #expect(await cluster.value("/domains/\(uuid)/node") == "hv2")
                #expect(try await cluster.runningOn(uuid) == ["hv2"])
            }
            for node in FenceCluster.nodeNames {
                #expect(!cluster.log(node).contains(FenceCluster.ipmiPassword), "the BMC password is in \(node)'s log")
            }
        }
    }

    @Test func aPartitionedNodeFencesItselfBeforeItsPeersStartItsVMs() async throws {
        var options = FenceCluster.Options.fast
        options.partitionedNode = "hv3"
        options.suicideIntervals = 2
        // Two intervals between the self-fence and the peers' dead mark: with one (3 vs 2 at 1 s),
        // the phase of hv3's last keepalive against hv1's look plus destroying two TCG guests on a
        // loaded CI machine (0.5 s) ate the whole margin once (gone at +2.55 s, dead at +2.12 s).
        options.fenceIntervals = 4
        try await FenceCluster.with(options) { cluster in
            #expect(try await cluster.makePrimary("hv1"), "\(cluster.logTails())")
            let uuids = try await cluster.startGuests(["pt1", "pt2"], on: "hv3")
            let recorder = cluster.recordDaemonStates()
            defer { recorder.stop() }
            let sampler = GuestSampler()
            sampler.start(cluster.vm.hypervisors, libvirtds: cluster.vm.libvirtds)
            let cut = ContinuousClock.now
            try await cluster.cut()

            #expect(try await cluster.eventually(timeout: .seconds(30)) { cluster.log("hv3").contains("self-fence") },
                    "\(cluster.logTails())")
            let dead = await recorder.waitFor("/nodes/hv3/daemonstate", "dead", timeout: .seconds(30))
            #expect(dead != nil, "\(cluster.logTails())")
            let moved = try await cluster.eventually(timeout: .seconds(120)) {
                for uuid in uuids {
                    let running = try await cluster.runningOn(uuid)
                    guard running.count == 1, running[0] != "hv3" else { return false }
                }
                return true
            }
            try await Task.sleep(for: .seconds(1))
            await sampler.stop()
            #expect(moved, "\(cluster.logTails())")

            #expect(sampler.doubleRuns(of: uuids).isEmpty, "\(sampler.doubleRuns(of: uuids))")
            for uuid in uuids {
                let gone = sampler.firstAbsence(uuid, from: "hv3", after: cut)
                let elsewhere = sampler.firstSeen(uuid, elsewhereThan: "hv3")
                let goneAt = gone.map { "+\(cut.duration(to: $0))" } ?? "never"
                let elsewhereAt = elsewhere.map { "+\(cut.duration(to: $0))" } ?? "never"
                #expect(gone != nil && elsewhere != nil && gone! <= elsewhere!,
                        "\(uuid): gone from hv3 at \(goneAt), started elsewhere at \(elsewhereAt)")
                // Destroyed by its own node before the peers could even call it dead.
                if let gone, let dead {
                    #expect(gone <= dead, """
                        \(uuid) gone from hv3 at +\(cut.duration(to: gone)), hv3 marked dead at +\(cut.duration(to: dead)) \
                        (cut at \(Date()) - \(cut.duration(to: .now)))
                        \(cluster.fenceLogLines(containing: "self-fence").joined(separator: "\n"))
                        \(cluster.fenceLogLines(containing: "hv3 is dead").joined(separator: "\n"))
                        """)
                }
                #expect(sampler.lastSeen(uuid, on: "hv3").map { $0 < (elsewhere ?? .now) } ?? true)
            }
        }
    }

    @Test func zooKeeperDownForTwiceTheDeadThresholdFencesNobody() async throws {
        var options = FenceCluster.Options.fast
        options.ownZooKeeper = true
        try await FenceCluster.with(options) { cluster in
            let uuids = try await cluster.startGuests(["zk1"], on: "hv2")
            try await cluster.stopZooKeeper()
            try await Task.sleep(for: cluster.options.deadThreshold * 2)
            try await cluster.startZooKeeper()

            // Everything the detector and the saving throws would need, twice over.
            let seen = await Self.daemonStates(cluster, for: cluster.options.fenceDelay * 2 + .seconds(10))
            let bad = seen.filter { $0.value.contains("dead") || $0.value.contains("fenced") }
            #expect(bad.isEmpty, "\(seen)\n\(cluster.logTails())")
            for node in FenceCluster.nodeNames {
                #expect(await cluster.value("/nodes/\(node)/daemonstate") == "run", "\(node)")
                #expect(cluster.powerLog(node).allSatisfy { $0.action == "status" }, "\(node): \(cluster.powerLog(node))")
            }
            #expect(try await cluster.runningOn(uuids[0]) == ["hv2"])
            #expect(await cluster.value("/domains/\(uuids[0])/state") == "start")
        }
    }

    @Test func maintenanceStopsDetection() async throws {
        try await FenceCluster.with(.fast) { cluster in
            try await cluster.write("/config/maintenance", "true")
            let victim = await cluster.nonPrimary()
            await cluster.killDaemon(victim)
            let during = await Self.daemonStates(cluster, for: cluster.options.fenceDelay * 2)
            #expect(during.allSatisfy { !$0.value.contains("dead") && !$0.value.contains("fenced") },
                    "\(during)\n\(cluster.logTails())")
            #expect(!cluster.powerLog(victim).contains { $0.action == "off" })

            try cluster.restartDaemon(victim)
            #expect(try await cluster.waitFor("/nodes/\(victim)/daemonstate", timeout: .seconds(60)) { $0 == "run" })
            try await cluster.write("/config/maintenance", "false")
            let after = await Self.daemonStates(cluster, for: cluster.options.fenceDelay + .seconds(5))
            #expect(after.allSatisfy { !$0.value.contains("dead") && !$0.value.contains("fenced") },
                    "\(after)\n\(cluster.logTails())")
        }
    }

    @Test func leavingMaintenanceRestartsTheDeadTimers() async throws {
        try await FenceCluster.with(.fast) { cluster in
            try await cluster.write("/config/maintenance", "true")
            let victim = await cluster.nonPrimary()
            await cluster.killDaemon(victim)
            // Its keepalive is older than the threshold when maintenance ends...
            try await Task.sleep(for: cluster.options.deadThreshold * 2)
            let recorder = cluster.recordDaemonStates()
            defer { recorder.stop() }
            let ended = ContinuousClock.now
            try await cluster.write("/config/maintenance", "false")
            // ...but its timer starts then: dead a full threshold later, not at once.
            let dead = await recorder.waitFor("/nodes/\(victim)/daemonstate", "dead", timeout: .seconds(30))
            try #require(dead != nil, "\(cluster.logTails())")
            let after = ended.duration(to: dead!)
            #expect(after >= cluster.options.deadThreshold - .seconds(1), "dead \(after) after maintenance ended")
        }
    }

    // MARK: Helpers

    /// `"ok": true|false` of a monitoring JSON, as text.
    static func okField(_ json: String?) -> String? {
        guard let data = json?.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let ok = object["ok"] as? Bool
        else { return nil }
        return ok ? "true" : "false"
    }

    /// Every value each node's daemonstate took during `window`, read every 100 ms (reads that
    /// fail, e.g. while ZooKeeper comes back, are skipped).
    static func daemonStates(_ cluster: FenceCluster, for window: Duration) async -> [String: Set<String>] {
        var seen: [String: Set<String>] = [:]
        let deadline = ContinuousClock.now + window
        while ContinuousClock.now < deadline {
            for node in FenceCluster.nodeNames {
                if let state = await cluster.value("/nodes/\(node)/daemonstate") { seen[node, default: []].insert(state) }
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return seen
    }
}
