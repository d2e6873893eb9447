import ClusterClient
import Foundation
import LocalServices
import Testing
import VMCluster

#if canImport(Glibc)
import Glibc
#endif

/// Ceph with the real daemons: RBD-backed TCG guests on three nodes, each with a root libvirtd
/// holding a ceph secret, and a real Ceph (the process's shared bluestore one, or a memstore one
/// of the test's own where the test stops it). What is checked: PVC's lock check before a VM
/// starts (a crashed node's own stale locks are freed, a foreign lock fails the start with PVC's
/// wording until `pvcctl vm flush-locks`), the primary's Ceph statistics, and that a Ceph that
/// does not answer neither holds up any keepalive nor goes unnoticed in `/ceph/updated`.
///
/// Every Ceph client on this machine presents 127.0.0.1 (a client learns its address from what
/// the mon sees, scripts/ceph.sh), so a lock is made "foreign" to a node by configuring that
/// node's `storage.client_address` as another loopback address.
@Suite(.serialized, .timeLimit(.minutes(10)))
struct StorageTests {
    /// Image names are unique per run: the shared cluster lives as long as the test process.
    private static func tag() -> String { String(UUID().uuidString.prefix(8)).lowercased() }

    // MARK: a. a crashed node's stale locks

    @Test func aStaleLockOfACrashedNodeIsFreedWhenTheVMStartsThereAgain() async throws {
        let ceph = try await SharedTestCeph.cluster()
        var options = VMCluster.Options()
        options.ceph = ceph
        // Default storage address for every node: 127.0.0.1, which is also what Ceph sees of the
        // CLI clients below, so their locks are hv1's own.
        try await VMCluster.with(options) { cluster in
            let tag = Self.tag()
            let advisory = try await cluster.createImage("stale-\(tag)-a")
            let written = try await cluster.createImage("stale-\(tag)-b")
            let uuid = try await cluster.define(name: "stale1", node: "hv1", volumes: [advisory, written])
            #expect(await cluster.value("/domains/\(uuid)/rbdlist") == "\(advisory),\(written)")
            _ = try await cluster.client.start(uuid)
            #expect(try await cluster.eventually { try await cluster.runningOn(uuid) == ["hv1"] }, "\(cluster.logTails())")
            let libvirtd = try #require(cluster.libvirtds["hv1"])
            let firstQemu = try #require(libvirtd.guestPID(name: "stale1"))

            // hv1 crashes: its daemon and its qemu die at once (SIGKILL), nothing is cleaned up.
            let daemon = try #require(cluster.fleet.daemon("hv1"))
            daemon.signal(SIGKILL)
            #expect(await daemon.waitForExit(timeout: .seconds(30)) != nil)
            kill(firstQemu, SIGKILL)
            #expect(try await cluster.eventually(timeout: .seconds(30)) { !LibvirtDaemon.isAlive(pid: firstQemu) })
            #expect(try await cluster.eventually(timeout: .seconds(30)) { try await cluster.runningOn(uuid).isEmpty })

            // The crash left locks from this host: an advisory lock whose CLI client is gone, and
            // the exclusive (`auto`) lock of a writer killed mid-write.
            _ = try await ceph.rbd(["lock", "add", advisory, "crash-lock"])
            let writer = try ceph.spawnRBD(["bench", "--io-type", "write", "--io-size", "4K", "--io-threads", "1",
                                            "--io-total", "1G", written])
            let writerHolds = try await cluster.eventually(timeout: .seconds(60), interval: .milliseconds(200)) {
                try await cluster.rbdLocks(written).contains { $0.id.hasPrefix("auto ") }
            }
            kill(writer.pid, SIGKILL)
            #expect(await writer.waitForExit(seconds: 30))
            let benchOutput = writer.output
            await writer.terminate()
            try #require(writerHolds, "rbd bench never took its lock: \(benchOutput)")
            let stale = try await cluster.rbdLocks(advisory) + cluster.rbdLocks(written)
            #expect(stale.count == 2 && stale.allSatisfy { $0.host == "127.0.0.1" }, "\(stale)")
            #expect(stale.contains { $0.id == "crash-lock" })
            #expect(await cluster.value("/domains/\(uuid)/state") == "start")

            // hv1 comes back: the VM is still `start` on it, so it starts it, freeing its own locks first.
            _ = try cluster.fleet.restart("hv1")
            #expect(try await cluster.eventually(timeout: .seconds(90)) {
                guard let pid = libvirtd.guestPID(name: "stale1"), pid != firstQemu else { return false }
                return try await cluster.runningOn(uuid) == ["hv1"]
            }, "\(cluster.logTails())")
            #expect(await cluster.value("/domains/\(uuid)/state") == "start")
            #expect(await cluster.value("/domains/\(uuid)/node") == "hv1")
            #expect(await cluster.value("/domains/\(uuid)/failedreason") == "")
            let left = try await cluster.rbdLocks(advisory) + cluster.rbdLocks(written)
            let staleIDs = Set(stale.map { "\($0.locker) \($0.id)" })
            #expect(left.allSatisfy { !staleIDs.contains("\($0.locker) \($0.id)") }, "still held: \(left)")

            let log = cluster.fleet.daemon("hv1")?.log ?? ""
            let freedLines = log.split(separator: "\n").filter { $0.contains("freed a stale RBD lock") }
            #expect(freedLines.count == 2, "\(freedLines)\n\(cluster.logTails())")
            for lock in stale {
                #expect(freedLines.contains { $0.contains(lock.id) }, "no log line for \(lock): \(freedLines)")
            }
        }
    }

    // MARK: b. a foreign lock

    @Test func aForeignLockFailsTheStartWithPVCsReasonUntilFlushed() async throws {
        let ceph = try await SharedTestCeph.cluster()
        var options = VMCluster.Options()
        options.ceph = ceph
        // hv2 says its clients present 127.0.0.2: a lock taken from this machine (127.0.0.1) is
        // then another node's as far as hv2 can tell.
        options.storageAddress = { $0 == "hv2" ? "127.0.0.2" : "127.0.0.1" }
        try await VMCluster.with(options) { cluster in
            let volume = try await cluster.createImage("foreign-\(Self.tag())")
            let uuid = try await cluster.define(name: "foreign1", node: "hv2", volumes: [volume])
            #expect(await cluster.value("/domains/\(uuid)/state") == "stop")
            _ = try await ceph.rbd(["lock", "add", volume, "foreign-lock"])
            let held = try await cluster.rbdLocks(volume)
            #expect(held.map(\.id) == ["foreign-lock"] && held.first?.host == "127.0.0.1", "\(held)")

            _ = try await cluster.client.start(uuid)
            #expect(try await cluster.waitForState(uuid, "fail"), "\(cluster.logTails())")
            let reason = await cluster.value("/domains/\(uuid)/failedreason")
            #expect(reason == "Could not safely free RBD lock foreign-lock (127.0.0.1) on volume \(volume); "
                    + "stop VM and flush locks manually")
            #expect(try await cluster.rbdLocks(volume) == held)
            #expect(try await cluster.runningOn(uuid).isEmpty)
            #expect(cluster.libvirtds["hv2"]?.guestPID(name: "foreign1") == nil)

            let zk = cluster.hosts + cluster.chroot
            let cephArguments = ["--ceph-conf", ceph.configFile, "--ceph-keyring", ceph.keyringFile]
            let flushed = try await Ctl.run(["vm", "flush-locks", "foreign1", "--zk", zk] + cephArguments)
            #expect(flushed.status == 0, "\(flushed)")
            #expect(flushed.stdout.contains("Flushed 1 RBD lock of VM"), "\(flushed)")
            #expect(flushed.stdout.contains("\(volume): foreign-lock held by \(held.first?.locker ?? "?")"), "\(flushed)")
            #expect(try await cluster.rbdLocks(volume).isEmpty)

            _ = try await cluster.client.start(uuid)
            #expect(try await cluster.eventually { try await cluster.runningOn(uuid) == ["hv2"] }, "\(cluster.logTails())")
            #expect(try await cluster.waitForState(uuid, "start", node: "hv2"))
            #expect(try await cluster.waitFor("/domains/\(uuid)/failedreason", timeout: .seconds(30)) { $0 == "" })

            // Running: no flush without --force, and nothing freed.
            _ = try await ceph.rbd(["lock", "add", volume, "held-lock"])
            let before = try await cluster.rbdLocks(volume)
            #expect(before.map(\.id) == ["held-lock"], "\(before)")
            let refused = try await Ctl.run(["vm", "flush-locks", "foreign1", "--zk", zk] + cephArguments)
            #expect(refused.status != 0, "\(refused)")
            #expect(refused.stderr.contains("is in state start; its locks can only be flushed while it is stopped"),
                    "\(refused)")
            #expect(try await cluster.rbdLocks(volume) == before)
            #expect(try await cluster.runningOn(uuid) == ["hv2"])
            for lock in before {
                _ = try? await ceph.rbd(["lock", "rm", volume, lock.id, lock.locker])
            }
        }
    }

    // MARK: c. the primary's statistics

    @Test func thePrimaryPublishesCephStatisticsForThePoolsAndOSDsPVCKnows() async throws {
        let ceph = try await SharedTestCeph.cluster()
        var options = VMCluster.Options()
        options.ceph = ceph
        try await VMCluster.with(options) { cluster in
            let primary = try await cluster.eventually(timeout: .seconds(60)) {
                VMCluster.nodeNames.contains(await cluster.value("/config/primary_node") ?? "")
            }
            #expect(primary, "no primary coordinator")
            #expect(try await cluster.waitFor("/ceph/updated", timeout: .seconds(60)) { Self.stale($0) == false },
                    "\(cluster.logTails())")
            // Ceph has pool rbd and OSD 0, but PVC's keys for them do not exist yet: nothing for them.
            #expect(try await cluster.session.children("/ceph/pools").isEmpty)
            #expect(try await cluster.session.children("/ceph/osds").isEmpty)

            // The keys PVC's API (pool add) and its OSD creation write (schema 15's pool and osd groups).
            let keys: [(String, String)] = [
                ("/ceph/pools/rbd", ""), ("/ceph/pools/rbd/pgs", "8"), ("/ceph/pools/rbd/tier", "default"),
                ("/ceph/pools/rbd/stats", "{}"),
                ("/ceph/osds/0", ""), ("/ceph/osds/0/node", "hv1"), ("/ceph/osds/0/device", "/dev/sdb"),
                ("/ceph/osds/0/db_device", ""), ("/ceph/osds/0/fsid", ""), ("/ceph/osds/0/fsid/osd", ""),
                ("/ceph/osds/0/fsid/cluster", ""), ("/ceph/osds/0/lvm", ""), ("/ceph/osds/0/lvm/vg", ""),
                ("/ceph/osds/0/lvm/lv", ""), ("/ceph/osds/0/is_split", "False"), ("/ceph/osds/0/stats", "{}"),
            ]
            for (path, value) in keys {
                _ = try await cluster.session.create(path, data: Array(value.utf8), mode: .persistent)
            }

            let ok1 = try await cluster.waitFor("/ceph/pools/rbd/stats", timeout: .seconds(60)) { text in
                guard let object = Self.object(text) else { return false }
                return object["num_objects"] != nil && object["id"] != nil
            }
            let shown1 = await cluster.value("/ceph/pools/rbd/stats") ?? "none"
            #expect(ok1, "\(shown1)\n\(cluster.logTails())")
            let ok2 = try await cluster.waitFor("/ceph/osds/0/stats", timeout: .seconds(60)) { text in
                Self.object(text)?["up"] != nil
            }
            let shown2 = await cluster.value("/ceph/osds/0/stats") ?? "none"
            #expect(ok2, "\(shown2)\n\(cluster.logTails())")
            let health = Self.object(await cluster.value("/ceph/health"))
            #expect(health?["status"] is String, "\(String(describing: health))")
            #expect(!(await cluster.value("/ceph/util") ?? "").isEmpty)
            let status = await cluster.value("/ceph") ?? ""
            #expect(!status.isEmpty && !status.hasPrefix("STALE"), "\(status)")
            let updated = Self.object(await cluster.value("/ceph/updated"))
            #expect(updated?["stale"] as? Bool == false, "\(String(describing: updated))")
            #expect((updated?["last_success"] as? NSNumber)?.intValue ?? 0 > 0, "\(String(describing: updated))")
            // Still nothing for what PVC has no key for.
            #expect(try await cluster.session.children("/ceph/pools") == ["rbd"])
            #expect(try await cluster.session.children("/ceph/osds") == ["0"])
        }
    }

    // MARK: d. Ceph not answering

    @Test func cephNotAnsweringHoldsUpNoKeepaliveAndMarksTheStatisticsStale() async throws {
        // A cluster of this test's own: it is paused, which would stall the shared one's users.
        let ceph = try await CephCluster.start(objectStore: .memstore)
        do {
            var options = VMCluster.Options()
            options.ceph = ceph
            try await VMCluster.with(options) { cluster in
                #expect(try await cluster.waitFor("/ceph/updated", timeout: .seconds(60)) { Self.stale($0) == false },
                        "\(cluster.logTails())")
                try await ceph.pause()
                // ~8 s of outage with keepalive 1 s: each node's keepalive must keep changing.
                var last: [String: String] = [:]
                var changes: [String: Int] = [:]
                let until = ContinuousClock.now + .seconds(8)
                while ContinuousClock.now < until {
                    for name in VMCluster.nodeNames {
                        let value = await cluster.value("/nodes/\(name)/keepalive")
                        if let value, let previous = last[name], previous != value { changes[name, default: 0] += 1 }
                        if let value { last[name] = value }
                    }
                    try await Task.sleep(for: .milliseconds(200))
                }
                for name in VMCluster.nodeNames {
                    #expect(changes[name, default: 0] >= 5, "\(name)'s keepalive changed \(changes[name, default: 0]) times\n\(cluster.logTails())")
                }
                let ok3 = try await cluster.waitFor("/ceph/updated", timeout: .seconds(60)) { text in
                    guard let object = Self.object(text), object["stale"] as? Bool == true else { return false }
                    return !((object["reason"] as? String) ?? "").isEmpty
                }
                let shown3 = await cluster.value("/ceph/updated") ?? "none"
                #expect(ok3, "\(shown3)\n\(cluster.logTails())")
                let status = await cluster.value("/ceph") ?? ""
                #expect(status.hasPrefix("STALE:"), "\(status)")

                try await ceph.resume()
                let ok4 = try await cluster.waitFor("/ceph/updated", timeout: .seconds(90)) { Self.stale($0) == false }
                let shown4 = await cluster.value("/ceph/updated") ?? "none"
                #expect(ok4, "\(shown4)\n\(cluster.logTails())")
                #expect(try await cluster.eventually(timeout: .seconds(30)) {
                    !(await cluster.value("/ceph") ?? "STALE").hasPrefix("STALE")
                })
            }
        } catch {
            try? await ceph.stop()
            throw error
        }
        try await ceph.stop()
    }

    // MARK: Helpers

    private static func object(_ text: String?) -> [String: Any]? {
        guard let text, let data = text.data(using: .utf8) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    /// `/ceph/updated`'s `stale`, nil when absent or not JSON.
    private static func stale(_ text: String?) -> Bool? {
        object(text)?["stale"] as? Bool
    }
}

/// Runs the built `pvcctl` (next to the test binary), bounded.
private enum Ctl {
    struct Run: Sendable, CustomStringConvertible {
        let status: Int32
        let stdout: String
        let stderr: String
        var description: String { "exit \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
    }

    static func run(_ arguments: [String], limit: Double = 60) async throws -> Run {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("pvcctl")
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Run, any Error>) in
            let thread = Thread {
                continuation.resume(with: Result { try runBlocking(binary, arguments, limit: limit) })
            }
            thread.start()
        }
    }

    private static func runBlocking(_ binary: URL, _ arguments: [String], limit: Double) throws -> Run {
        let scratch = FileManager.default.temporaryDirectory
        let token = UUID().uuidString
        let outURL = scratch.appendingPathComponent("pvcctl-\(token).out")
        let errURL = scratch.appendingPathComponent("pvcctl-\(token).err")
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        defer {
            try? out.close()
            try? err.close()
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "PVC_ZK")
        environment.removeValue(forKey: "CEPH_CONF")
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        try process.run()
        if finished.wait(timeout: .now() + limit) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            _ = finished.wait(timeout: .now() + 5)
        }
        let stdout = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        return Run(status: process.isRunning ? -1 : process.terminationStatus, stdout: stdout, stderr: stderr)
    }
}
