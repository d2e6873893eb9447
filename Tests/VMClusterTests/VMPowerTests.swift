import ClusterClient
import Foundation
import Testing
import VMCluster

/// Start, stop, shutdown and restart of real TCG guests through three real daemons, written as
/// PVC's client writes them; each asserts where libvirt really runs the guest and what the keys say.
@Suite(.serialized, .timeLimit(.minutes(25)))
struct VMPowerTests {
    @Test func startStopShutdownRestart() async throws {
        try await VMCluster.with { cluster in
            let uuid = try await cluster.define(name: "power1", node: "hv2")
            #expect(await cluster.value("/domains/\(uuid)/state") == "stop")

            _ = try await cluster.client.start(uuid)
            #expect(try await cluster.eventually { try await cluster.runningOn(uuid) == ["hv2"] }, "\(cluster.logTails())")
            #expect(await cluster.value("/domains/\(uuid)/failedreason") == "")
            // The keepalive reports it exactly, with its memory.
            #expect(try await cluster.waitFor("/nodes/hv2/runningdomains", timeout: .seconds(30)) { $0 == uuid })
            #expect(try await cluster.waitFor("/nodes/hv2/memalloc", timeout: .seconds(30)) { $0 == "64" })
            #expect(try await cluster.waitFor("/nodes/hv2/domainscount", timeout: .seconds(30)) { $0 == "1" })
            #expect(try await cluster.waitFor("/domains/\(uuid)/stats", timeout: .seconds(30)) {
                $0?.hasPrefix("{\"state\": \"RUNNING\"") == true
            })

            _ = try await cluster.client.stop(uuid)
            #expect(try await cluster.eventually { try await cluster.runningOn(uuid).isEmpty })
            #expect(try await cluster.waitForState(uuid, "stop"))
            #expect(try await cluster.waitFor("/nodes/hv2/runningdomains", timeout: .seconds(30)) { $0 == "" })

            // The guest has no OS: the ACPI request is ignored, so the shutdown runs into
            // vm_shutdown_timeout (3 s here) and the guest is destroyed, then `stop` is written.
            _ = try await cluster.client.start(uuid)
            #expect(try await cluster.eventually { try await cluster.runningOn(uuid) == ["hv2"] })
            let started = ContinuousClock.now
            _ = try await cluster.client.shutdown(uuid, wait: true, timeout: .seconds(60))
            let took = started.duration(to: .now)
            #expect(await cluster.value("/domains/\(uuid)/state") == "stop")
            #expect(try await cluster.runningOn(uuid).isEmpty)
            #expect(took >= .seconds(3), "destroyed before the timeout: \(took)")

            // Restart: shutdown (timeout, destroy), start again, `start` written.
            _ = try await cluster.client.start(uuid)
            #expect(try await cluster.eventually { try await cluster.runningOn(uuid) == ["hv2"] })
            _ = try await cluster.client.restart(uuid, wait: true, timeout: .seconds(60))
            #expect(await cluster.value("/domains/\(uuid)/state") == "start")
            #expect(try await cluster.eventually { try await cluster.runningOn(uuid) == ["hv2"] })
        }
    }

    @Test func aCrashedGuestIsStartedAgainAndAFailedStartSaysWhy() async throws {
        try await VMCluster.with { cluster in
            let uuid = try await cluster.define(name: "crash1", node: "hv1")
            _ = try await cluster.client.start(uuid)
            #expect(try await cluster.eventually { try await cluster.runningOn(uuid) == ["hv1"] }, "\(cluster.logTails())")
            let libvirtd = try #require(cluster.libvirtds["hv1"])
            let first = try #require(libvirtd.guestPID(name: "crash1"))
            // Kill qemu under libvirt: the domain crashes while its state says `start`.
            kill(first, SIGKILL)
            #expect(try await cluster.eventually {
                guard let pid = libvirtd.guestPID(name: "crash1"), pid != first else { return false }
                return try await cluster.runningOn(uuid) == ["hv1"]
            }, "\(cluster.logTails())")
            #expect(await cluster.value("/domains/\(uuid)/state") == "start")

            // A definition libvirt refuses: `fail` with libvirt's message.
            let broken = try await cluster.define(name: "broken1", node: "hv3", memoryMiB: 64)
            _ = try await cluster.session.set("/domains/\(broken)/xml",
                                              data: Array("<domain type='nonsense'><name>broken1</name></domain>".utf8))
            _ = try await cluster.client.start(broken)
            #expect(try await cluster.waitForState(broken, "fail"), "\(cluster.logTails())")
            let reason = await cluster.value("/domains/\(broken)/failedreason") ?? ""
            #expect(!reason.isEmpty)
            #expect(try await cluster.runningOn(broken).isEmpty)
        }
    }
}
