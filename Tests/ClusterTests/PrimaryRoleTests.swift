import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Real pvcnoded processes contending for the primary role on one cluster, watched by a
/// `RouterRecorder`; each test asserts the settled states and zero invariant-1 violations.
@Suite(.timeLimit(.minutes(3))) struct PrimaryRoleTests {
    let coordinators = ["hv1", "hv2"]
    let everyNode = ["hv1", "hv2", "hv3"]

    /// Bootstrap: an empty key, two coordinators contend, exactly one wins; the hypervisor stays
    /// `client`; the key names the winner.
    @Test func bootstrapElectsExactlyOnePrimary() async throws {
        try await withRecordedCluster(nodes: everyNode, coordinators: coordinators) { cluster, recorder, fleet in
            let settled = await recorder.waitUntil(timeout: settleTimeout) {
                $0.isSettled(among: Set(coordinators), running: Set(everyNode))
            }
            #expect(settled, "never settled: \(recorder.snapshot)\n\(fleet.logTails())")
            let snapshot = recorder.snapshot
            let primary = try #require(snapshot.primary)
            #expect(coordinators.contains(primary))
            #expect(snapshot.router["hv3"] == "client")
            #expect(await cluster.value("/config/primary_node") == primary)
            let other = coordinators.first { $0 != primary }
            #expect(snapshot.router[other ?? ""] == "secondary")
            // The hypervisor never left `client`.
            #expect(recorder.changes.filter { $0.node == "hv3" }.allSatisfy { $0.state == "client" })
            #expect(recorder.violations.isEmpty, "\(recorder.violations)")
            print("bootstrap: primary \(primary); \(recorder.summary)")
        }
    }

    /// Operator switch both ways: naming the secondary moves the role there (the old primary
    /// goes relinquish → secondary, the new one takeover → primary); `none` moves it back to the
    /// other coordinator, the only other contender.
    @Test func operatorSwitchesTheRoleBothWays() async throws {
        try await withRecordedCluster(nodes: everyNode, coordinators: coordinators) { cluster, recorder, fleet in
            let running = Set(everyNode)
            #expect(await recorder.waitUntil(timeout: settleTimeout) {
                $0.isSettled(among: Set(coordinators), running: running)
            }, "never settled: \(recorder.snapshot)")
            let first = try #require(recorder.snapshot.primary)
            let second = try #require(coordinators.first { $0 != first })

            let before = recorder.now
            try await cluster.setPrimaryNode(second)
            let moved = await recorder.waitUntil(timeout: settleTimeout) {
                $0.isSettled(primary: second, among: Set(coordinators), running: running)
                    && $0.router[first] == "secondary"
            }
            #expect(moved, "\(second) did not take over: \(recorder.snapshot)\n\(fleet.logTails())")
            // Each side wrote its router state exactly twice (relinquish, secondary; takeover,
            // primary). Counted by znode version, as a one-shot watch may coalesce two quick
            // writes into one delivery; the states seen are in that order.
            let handover = recorder.changes.filter { $0.at >= before }
            for (node, expected) in [(first, ["relinquish", "secondary"]), (second, ["takeover", "primary"])] {
                let seen = handover.filter { $0.node == node }
                let priorVersion = recorder.changes.last { $0.node == node && $0.at < before }?.version
                #expect(seen.last?.state == expected.last, "\(node): \(handover)")
                #expect(seen.compactMap(\.state).allSatisfy(expected.contains), "\(node): \(handover)")
                if let priorVersion, let last = seen.last?.version {
                    #expect(last - priorVersion == 2, "\(node) wrote its router state \(last - priorVersion) times: \(handover)")
                }
            }

            try await cluster.setPrimaryNode("none")
            let back = await recorder.waitUntil(timeout: settleTimeout) {
                $0.isSettled(primary: first, among: Set(coordinators), running: running)
                    && $0.router[second] == "secondary"
            }
            #expect(back, "\(first) did not take over after none: \(recorder.snapshot)\n\(fleet.logTails())")
            #expect(recorder.snapshot.router["hv3"] == "client")
            #expect(recorder.violations.isEmpty, "\(recorder.violations)")
            print("operator switch: \(first) → \(second) → \(first); \(recorder.summary)")
        }
    }

    /// SIGTERM of the primary: it writes `none`, the other coordinator takes over, and the
    /// stopped node ends `secondary` with daemonstate `stop` and exit status 0.
    @Test func sigtermOfThePrimaryHandsOver() async throws {
        try await withRecordedCluster(nodes: everyNode, coordinators: coordinators) { cluster, recorder, fleet in
            #expect(await recorder.waitUntil(timeout: settleTimeout) {
                $0.isSettled(among: Set(coordinators), running: Set(everyNode))
            }, "never settled: \(recorder.snapshot)")
            let old = try #require(recorder.snapshot.primary)
            let successor = try #require(coordinators.first { $0 != old })
            let daemon = try #require(fleet.daemon(old))

            let started = ContinuousClock.now
            daemon.signal(SIGTERM)
            let status = await daemon.waitForExit(timeout: .seconds(30))
            #expect(status == 0, "exit status of \(old); log:\n\(daemon.logTail())")
            let took = await recorder.waitUntil(timeout: settleTimeout) {
                $0.isSettled(primary: successor, among: [successor], running: [successor, "hv3"])
                    && $0.router[old] == "secondary" && $0.daemon[old] == "stop"
            }
            #expect(took, "no clean handover: \(recorder.snapshot)\n\(fleet.logTails())")
            #expect(recorder.violations.isEmpty, "\(recorder.violations)")
            print("sigterm: \(old) → \(successor) in \(ContinuousClock.now - started); \(recorder.summary)")
        }
    }

    /// SIGKILL of the primary: nothing is handed over; once its keepalive is older than
    /// keepalive × fence_intervals (3 s) the secondary clears it (key `none`, the dead node's
    /// routerstate `secondary`) and takes over. The bound allows 5 s beyond the 3 s for the
    /// keepalive's whole-second resolution, the tick that notices and a loaded machine.
    @Test func sigkillOfThePrimaryIsClearedAfterTheDeadBound() async throws {
        try await withRecordedCluster(nodes: everyNode, coordinators: coordinators) { cluster, recorder, fleet in
            #expect(await recorder.waitUntil(timeout: settleTimeout) {
                $0.isSettled(among: Set(coordinators), running: Set(everyNode))
            }, "never settled: \(recorder.snapshot)")
            let dead = try #require(recorder.snapshot.primary)
            let successor = try #require(coordinators.first { $0 != dead })
            let daemon = try #require(fleet.daemon(dead))

            let killedAt = recorder.now
            daemon.signal(SIGKILL)
            _ = await daemon.waitForExit(timeout: .seconds(5))
            // The dead bound plus a wide margin: whole-second keepalives, the tick that notices,
            // and a CI machine running every suite at once on two cores (seen: 4 s idle, over 8
            // loaded). The bound proves a takeover happens, not how fast.
            let bound = Duration.seconds(ClusterChroot.keepaliveSeconds * ClusterChroot.fenceIntervals + 20)
            let took = await recorder.waitUntil(timeout: bound) {
                $0.isSettled(primary: successor, among: [successor], running: [successor, "hv3"])
            }
            let elapsed = recorder.now - killedAt
            #expect(took, "no new primary within \(bound): \(recorder.snapshot)\n\(fleet.logTails())")
            // The clearing writes the dead node's routerstate in the same transaction as the key.
            #expect(await recorder.waitUntil(timeout: .seconds(5)) { $0.router[dead] == "secondary" },
                    "\(dead)'s routerstate: \(recorder.snapshot)")
            // Nobody but a fencer writes its daemon state: `run`, or `dead` once marked (these
            // nodes have no BMC, so no fence can succeed and nothing else happens to it).
            #expect(["run", "dead"].contains(recorder.snapshot.daemon[dead] ?? "missing"))
            #expect(recorder.violations.isEmpty, "\(recorder.violations)")
            print("sigkill: \(dead) → \(successor) in \(elapsed) (bound \(bound)); \(recorder.summary)")
        }
    }
}
