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

    @Test func aPersistentWatchSurvivesLosingItsServer() async throws {
        try await withServer(servers: 3) { ensemble in
            let writer = try await TestSessions.connect(hosts: ensemble.connectString(of: 1))
            // The watcher knows two servers: the one it starts on dies, the other takes it over.
            let watcher = try await TestSessions.connect(
                hosts: ensemble.connectString(of: 2) + "," + ensemble.connectString(of: 3), sessionTimeout: .seconds(8))
            try await withClients([writer, watcher]) {
                _ = try await writer.create("/watched", data: Array("one".utf8), mode: .persistent)
                var values = watcher.watchData("/watched").makeAsyncIterator()
                #expect(await values.next()??.text == "one")
                let serving = try await servingServer(of: watcher, in: ensemble)
                try await ensemble.kill(serving)
                // If the killed server led, the writer's server drops it for the election: retry.
                try await retryingWhileUnknown(writer) {
                    _ = try await writer.set("/watched", data: Array("two".utf8), version: nil)
                }
                // Seen after the watcher reconnects to the other server, within its session.
                #expect(await values.next()??.text == "two")
                #expect(watcher.sessionState == .connected)
                try await retryingWhileUnknown(writer) {
                    _ = try await writer.set("/watched", data: Array("three".utf8), version: nil)
                }
                #expect(await values.next()??.text == "three")
            }
        }
    }

    /// Which of servers 2 and 3 the client's session is on, from the servers' own connection lists.
    private func servingServer(of client: ZooKeeperClient, in ensemble: ZooKeeperServer) async throws -> Int {
        let session = "0x" + String(UInt64(bitPattern: client.sessionID), radix: 16)
        for id in [2, 3] where try await ensemble.fourLetterWord("cons", server: id).contains(session) {
            return id
        }
        throw CoordinationError(.noNode, detail: "session \(session) is on neither server 2 nor 3")
    }

    /// Creates `path`, retrying while the outcome is unknown (the leader is gone); a retry that finds
    /// the node already there means the first attempt was applied. True once acknowledged.
    private func createAcknowledged(_ client: ZooKeeperClient, _ path: String) async throws -> Bool {
        do {
            try await retryingWhileUnknown(client) {
                _ = try await client.create(path, data: [], mode: .persistent)
            }
            return true
        } catch let error as CoordinationError where error.code == .nodeExists {
            return true
        } catch let error as CoordinationError where error.outcomeUnknown {
            return false
        }
    }

    /// Runs an idempotent `write` until its outcome is known, waiting for the client to reconnect
    /// between attempts (at most 100 of them).
    private func retryingWhileUnknown(_ client: ZooKeeperClient, _ write: () async throws -> Void) async throws {
        for attempt in 1...100 {
            do {
                return try await write()
            } catch let error as CoordinationError where error.outcomeUnknown && attempt < 100 {
                await waitUntilConnected(client)
            }
        }
    }

    private func waitUntilConnected(_ client: ZooKeeperClient) async {
        _ = await TestSessions.waitForState(.connected, of: client, timeout: .seconds(10))
    }
}
