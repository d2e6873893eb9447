import Foundation
import TestSupport
import Testing

/// A chroot, a recorder watching it from before the first daemon starts, and a fleet of daemons
/// `nodes` (those in `coordinators` are coordinators, the rest hypervisors), all torn down however
/// `body` ends. Checks that every node registered and reached `run` before handing over.
func withRecordedCluster(nodes: [String], coordinators: [String], hosts: String? = nil,
                         _ body: (ClusterChroot, RouterRecorder, DaemonFleet) async throws -> Void) async throws {
    let cluster = try await ClusterChroot.make(hosts: hosts)
    let recorder = try await RouterRecorder.start(hosts: cluster.hosts, chroot: cluster.chroot, nodes: nodes)
    do {
        try await withFleet { fleet in
            for node in nodes {
                try fleet.start(name: node, config: cluster.config(node: node, coordinators: coordinators))
            }
            try await body(cluster, recorder, fleet)
        }
    } catch {
        await recorder.stop()
        await cluster.close()
        throw error
    }
    await recorder.stop()
    await cluster.close()
}

/// How long a settled cluster may take to form after a change, in these tests: far more than a
/// handover (milliseconds) and than a dead primary's bound (3 s + a keepalive), so a timeout
/// means something is stuck, not slow.
let settleTimeout = Duration.seconds(30)
