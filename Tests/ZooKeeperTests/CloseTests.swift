import Coordination
import Testing
import ZooKeeper

/// `close()` with calls in flight: the C library drops their completions at close
/// (swift-interop §3.5), so the client must drain first and sweep after.
@Suite(.timeLimit(.minutes(2))) struct CloseTests {
    @Test(arguments: 1...5)
    func everyCallInFlightAtCloseReturns(round: Int) async throws {
        let root = TestSessions.uniqueRoot("close-\(round)")
        let observer = try await TestSessions.connect()
        try await withClients([observer]) {
            _ = try await observer.create(root, data: [], mode: .persistent)
            let client = try await TestSessions.connect()
            _ = try await client.create(root + "/alive", data: [], mode: .ephemeral)
            let answered = Tally<Int>()
            let unexpected = Tally<String>()
            await withTaskGroup(of: Void.self) { group in
                for index in 0..<500 {
                    group.addTask {
                        do {
                            _ = try await client.set(root, data: [UInt8(index % 256)], version: nil)
                        } catch let error as CoordinationError where error.code == .closed {
                            // Refused after close began: also an answer.
                        } catch {
                            unexpected.add("\(error)")
                        }
                        answered.add(index)
                    }
                }
                group.addTask { await client.close() }
            }
            #expect(answered.all.count == 500)
            #expect(unexpected.all == [])
            #expect(client.sessionState == .closed)
            // The server ended the session at close: the ephemeral is gone with no wait.
            #expect(try await observer.exists(root + "/alive") == nil)
            try await observer.deleteRecursive(root)
        }
    }

    @Test func closeTwiceAndCallsAfterClose() async throws {
        let client = try await TestSessions.connect()
        await client.close()
        await client.close()
        let error = await #expect(throws: CoordinationError.self) {
            _ = try await client.get("/zookeeper")
        }
        #expect(error?.code == .closed)
        #expect(error?.path == "/zookeeper")
    }
}
