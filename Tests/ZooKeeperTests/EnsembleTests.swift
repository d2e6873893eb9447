import Coordination
import LocalServices
import Testing
import ZooKeeper

/// A 3-server ensemble on loopback: losing the leader costs a re-election, not a write.
@Suite(.serialized, .timeLimit(.minutes(3))) struct EnsembleTests {
    @Test func theLeaderKilledMidStreamLosesNoAcknowledgedWrite() async throws {
        try await withServer(servers: 3) { ensemble in
            let client = try await TestSessions.connect(hosts: ensemble.connectString, sessionTimeout: .seconds(6))
            try await withClients([client]) {
                let root = "/ensemble"
                _ = try await client.create(root, data: [], mode: .persistent)
                var acknowledged: [String] = []
                var leaderKilled = false
                var writesAfterKill = 0
                var index = 0
                let deadline = ContinuousClock.now + .seconds(90)
                while writesAfterKill < 200 && ContinuousClock.now < deadline {
                    let path = "\(root)/n-\(index)"
                    if try await createAcknowledged(client, path) {
                        acknowledged.append(path)
                        if leaderKilled { writesAfterKill += 1 }
                    }
                    index += 1
                    if index == 200 && !leaderKilled {
                        // Mid-stream, with writes in the pipeline of this very client.
                        try await ensemble.kill(try await ensemble.leader())
                        leaderKilled = true
                    }
                }
                #expect(leaderKilled)
                #expect(writesAfterKill == 200, "the client did not carry on after the leader died")
                #expect(client.sessionState == .connected)
                // Read back through a new session, from whichever server it lands on, after a sync.
                let reader = try await TestSessions.connect(hosts: ensemble.connectString)
                try await withClients([reader]) {
                    try await reader.sync(root)
                    let present = Set(try await reader.children(root).map { "\(root)/\($0)" })
                    let lost = acknowledged.filter { !present.contains($0) }
                    #expect(lost == [], "acknowledged writes lost: \(lost.prefix(10))")
                }
            }
        }
    }

    /// Creates `path`, retrying while the outcome is unknown (the leader is gone); a retry that finds
    /// the node already there means the first attempt was applied. True once acknowledged.
    private func createAcknowledged(_ client: ZooKeeperClient, _ path: String) async throws -> Bool {
        for _ in 0..<100 {
            do {
                _ = try await client.create(path, data: [], mode: .persistent)
                return true
            } catch let error as CoordinationError where error.code == .nodeExists {
                return true
            } catch let error as CoordinationError where error.outcomeUnknown {
                await waitUntilConnected(client)
            }
        }
        return false
    }

    private func waitUntilConnected(_ client: ZooKeeperClient) async {
        _ = await TestSessions.waitForState(.connected, of: client, timeout: .seconds(10))
    }
}
