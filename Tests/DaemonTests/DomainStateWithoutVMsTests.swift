import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A node with the hypervisor subsystem off runs no VM, yet is flushed at its first registration
/// like every node: it must still answer `flush` and `unflush`, or `pvcctl node ready --wait`
/// (pvcautoready's command) waits for it until its timeout.
@Suite(.timeLimit(.minutes(3))) struct DomainStateWithoutVMsTests {
    @Test("flush → flushed and unflush → ready, moving no VM, with enable_hypervisor off")
    func answersWithoutMovingVMs() async throws {
        let cluster = try await TestCluster.make()
        // A VM that last ran on hv1 and now runs on hv2: a ready of a hypervisor would bring it back.
        let uuid = UUID().uuidString.lowercased()
        let vm = "/domains/\(uuid)"
        let config = cluster.config(node: "hv1") + """
            subsystem:
              enable_hypervisor: false

            """
        try await withFleet { fleet in
            let daemon = try fleet.start(name: "hv1", config: config)
            #expect(await cluster.waitFor("/nodes/hv1/daemonstate", toBe: "run"), "log:\n\(daemon.log)")
            #expect(await cluster.value("/nodes/hv1/domainstate") == "flushed")
            // Written once the daemon has laid out the tree, as PVC's API would.
            for (path, value) in [(vm, "vm1"), ("\(vm)/state", "start"), ("\(vm)/node", "hv2"), ("\(vm)/lastnode", "hv1")] {
                try await cluster.create(path, value)
            }

            try await cluster.set("/nodes/hv1/domainstate", "unflush")
            #expect(await cluster.waitFor("/nodes/hv1/domainstate", toBe: "ready", timeout: .seconds(60)),
                    "log:\n\(daemon.log)")
            try await cluster.set("/nodes/hv1/domainstate", "flush")
            #expect(await cluster.waitFor("/nodes/hv1/domainstate", toBe: "flushed", timeout: .seconds(60)),
                    "log:\n\(daemon.log)")
            #expect(await cluster.value("\(vm)/state") == "start")
            #expect(await cluster.value("\(vm)/node") == "hv2")
            #expect(await cluster.value("\(vm)/lastnode") == "hv1")

            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: .seconds(60)) == 0, "log:\n\(daemon.log)")
        }
        await cluster.close()
    }
}
