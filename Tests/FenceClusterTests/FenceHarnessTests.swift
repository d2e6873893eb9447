import FenceCluster
import Foundation
import Testing

/// The harness itself, whatever the daemons do about fencing (maintenance is on, so nobody fences):
/// a BMC's power off really kills the node's daemon and guests and its power on starts the daemon
/// again; a partitioned node really loses ZooKeeper while its libvirtd stays reachable.
@Suite(.serialized, .timeLimit(.minutes(10)))
struct FenceHarnessTests {
    @Test func aBMCPowerOffKillsTheDaemonAndItsGuestsAndPowerOnStartsItAgain() async throws {
        try await FenceCluster.with(.fast) { cluster in
            try await cluster.write("/config/maintenance", "true")
            let node = "hv2"
            let uuids = try await cluster.startGuests(["hx1"], on: node)
            let before = try #require(cluster.daemonPID(node))
            #expect(cluster.guestPIDs(node).count == 1)
            #expect(try await cluster.bmcTool(node, ["chassis", "power", "status"]).contains("on"))

            try await cluster.bmcTool(node, ["chassis", "power", "off"])
            #expect(cluster.daemonPID(node) == nil, "\(cluster.logTails())")
            #expect(try await cluster.eventually(timeout: .seconds(10)) { cluster.guestPIDs(node).isEmpty },
                    "guests \(cluster.guestPIDs(node)); chassis.log: \(cluster.chassisLog(node)); power.log: \(cluster.powerLog(node))")
            #expect(try await cluster.eventually(timeout: .seconds(10)) { try await cluster.runningOn(uuids[0]).isEmpty })
            #expect(try await cluster.bmcTool(node, ["chassis", "power", "status"]).contains("off"))

            try await cluster.bmcTool(node, ["chassis", "power", "on"])
            // The BMC answers once the machine's start is launched; on a loaded machine its PID
            // (node.pid) may be written a little later (ipmi.sh's follower logs the `on` line then).
            #expect(try await cluster.eventually(timeout: .seconds(60)) { cluster.daemonPID(node) != nil },
                    "power.log: \(cluster.powerLog(node)); \(cluster.logTails())")
            let after = try #require(cluster.daemonPID(node), "\(cluster.logTails())")
            #expect(after != before)
            // The new daemon is the same node: it keeps alive again (its log follows the old one's).
            let keepalive = await cluster.value("/nodes/\(node)/keepalive")
            #expect(try await cluster.waitFor("/nodes/\(node)/keepalive", timeout: .seconds(60)) { $0 != keepalive },
                    "\(cluster.logTails())")
            #expect(await cluster.value("/nodes/\(node)/daemonstate") == "run")
            let actions = cluster.powerLog(node).map(\.action)
            #expect(actions.contains("off") && actions.contains("on"), "\(cluster.powerLog(node))")
        }
    }

    @Test func aPartitionedNodeLosesZooKeeperAndKeepsItsLibvirtd() async throws {
        var options = FenceCluster.Options.fast
        options.partitionedNode = "hv3"
        try await FenceCluster.with(options) { cluster in
            try await cluster.write("/config/maintenance", "true")
            let uuids = try await cluster.startGuests(["px1"], on: "hv3")
            #expect(await cluster.partitionedNodeReachesZooKeeper())

            try await cluster.cut()
            #expect(await !cluster.partitionedNodeReachesZooKeeper())
            // Its keepalives stop; its libvirtd still answers the test (a unix socket).
            let keepalive = await cluster.value("/nodes/hv3/keepalive")
            try await Task.sleep(for: .seconds(4))
            #expect(await cluster.value("/nodes/hv3/keepalive") == keepalive, "\(cluster.logTails())")
            #expect(try await cluster.runningOn(uuids[0]) == ["hv3"])
            #expect(cluster.daemonRuns("hv3"))

            try await cluster.heal()
            #expect(await cluster.partitionedNodeReachesZooKeeper())
        }
    }
}
