import Foundation
import LocalServices
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// librados and librbd are opened on first use, not linked: a node with storage off never maps
/// them (~12 MiB resident), a node with storage on maps them when it first needs Ceph.
@Suite(.timeLimit(.minutes(3))) struct CephLibrariesTests {
    @Test("storage off: librados and librbd are never mapped; storage on: mapped at the first Ceph call")
    func mappedOnlyWhenStorageIsUsed() async throws {
        let cluster = try await TestCluster.make()
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("ceph-libraries-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await withFleet { fleet in
            // hv1 is the only coordinator, so it becomes primary: the one whose Ceph figures round
            // opens the connection (against a Ceph config that does not exist: the load comes first).
            let storageOn = try fleet.start(name: "hv1", config: cluster.config(node: "hv1", coordinators: ["hv1"]) + """
                subsystem:
                  enable_hypervisor: false
                  enable_storage: true
                path:
                  ceph_directory: "\(directory)"

                """)
            let storageOff = try fleet.start(name: "hv2", config: cluster.config(node: "hv2", coordinators: ["hv1"]) + """
                subsystem:
                  enable_hypervisor: false

                """)
            #expect(await cluster.waitFor("/nodes/hv1/daemonstate", toBe: "run"), "log:\n\(storageOn.log)")
            #expect(await cluster.waitFor("/nodes/hv2/daemonstate", toBe: "run"), "log:\n\(storageOff.log)")
            #expect(await cluster.waitFor("/config/primary_node", toBe: "hv1"))

            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline, !Self.maps(storageOn.pid, "librados.so") {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(Self.maps(storageOn.pid, "librados.so") && Self.maps(storageOn.pid, "librbd.so"),
                    "log:\n\(storageOn.logTail())")
            // hv2 has been in run as long as hv1 took to open Ceph: long enough to have loaded it.
            #expect(!Self.maps(storageOff.pid, "librados.so") && !Self.maps(storageOff.pid, "librbd.so"))
            #expect(!Self.maps(storageOff.pid, "libceph-common.so"))

            for daemon in [storageOn, storageOff] { daemon.signal(SIGTERM) }
            for daemon in [storageOn, storageOff] {
                #expect(await daemon.waitForExit(timeout: .seconds(60)) == 0, "log:\n\(daemon.log)")
            }
        }
        await cluster.close()
    }

    /// Whether a file whose name contains `library` is mapped into `pid` (/proc/PID/maps spans
    /// many pages: read to its end).
    private static func maps(_ pid: Int32, _ library: String) -> Bool {
        (ProcFile.text("/proc/\(pid)/maps") ?? "").contains(library)
    }
}
