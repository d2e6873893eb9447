import Foundation
import LocalServices
import Testing

/// The cluster on a 3-server ensemble of its own: losing the ZooKeeper leader costs an election
/// (a second or two), well under the primary's suspended bound (half the session timeout, 5 s),
/// so the role must not move at all.
@Suite(.timeLimit(.minutes(3))) struct EnsembleLeaderLossTests {
    @Test func killingTheZooKeeperLeaderMovesNoRouterState() async throws {
        let ensemble = try await ZooKeeperServer.start(servers: 3)
        do {
            try await run(on: ensemble)
        } catch {
            try? await ensemble.stop()
            throw error
        }
        try await ensemble.stop()
    }

    private func run(on ensemble: ZooKeeperServer) async throws {
        let nodes = ["hv1", "hv2", "hv3"]
        let coordinators = nodes
        try await withRecordedCluster(nodes: nodes, coordinators: coordinators,
                                      hosts: ensemble.connectString) { cluster, recorder, fleet in
            #expect(await recorder.waitUntil(timeout: settleTimeout) {
                $0.isSettled(among: Set(coordinators), running: Set(nodes))
            }, "never settled: \(recorder.snapshot)\n\(fleet.logTails())")
            let primary = try #require(recorder.snapshot.primary)
            var keepalives: [String: Int] = [:]
            for node in nodes { keepalives[node] = Int(await cluster.value("/nodes/\(node)/keepalive") ?? "") ?? 0 }

            let leader = try await currentLeader(of: ensemble)
            // Every routerstate was seen before this (the settled state includes them all), and
            // a persistent watch never delivers a value twice: anything arriving later is a write.
            let killedAt = recorder.now
            try await ensemble.kill(leader)
            // A new leader among the two left (the election itself), then each node's keepalive
            // must move on by a few intervals: the daemons kept writing through it.
            _ = try await currentLeader(of: ensemble)
            for node in nodes {
                let last = keepalives[node] ?? 0
                let moved = await cluster.waitFor("/nodes/\(node)/keepalive", timeout: .seconds(20)) {
                    (Int($0 ?? "") ?? 0) >= last + 3
                }
                #expect(moved, "\(node)'s keepalive stopped after the leader (server \(leader)) died:\n\(fleet.logTails())")
            }
            // Followers drop their clients when the leader goes, so the primary's own session was
            // cut too: the test exercised the suspended path, not a quiet server.
            let primaryLog = fleet.daemon(primary)?.log ?? ""
            #expect(primaryLog.contains("ZooKeeper session suspended"), "\(primary)'s session was never cut:\n\(primaryLog)")
            let cut = nodes.filter { fleet.daemon($0)?.log.contains("ZooKeeper session suspended") == true }
            let snapshot = recorder.snapshot
            #expect(snapshot.primary == primary, "\(snapshot)")
            #expect(snapshot.primaryNode == primary, "\(snapshot)")
            let changes = recorder.changes.filter { $0.at >= killedAt }
            #expect(changes.isEmpty, "router states changed with the leader's loss: \(changes)\n\(fleet.logTails())")
            #expect(recorder.violations.isEmpty, "\(recorder.violations)")
            print("ensemble: killed leader server \(leader); sessions cut: \(cut); primary stayed \(primary); "
                  + recorder.summary)

            try await ensemble.restart(leader)
        }
    }

    /// `leader()` throws while an election runs: ask again until one leads (at most 30 s).
    private func currentLeader(of ensemble: ZooKeeperServer) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            do {
                return try await ensemble.leader()
            } catch where ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }
}
