import Synchronization
import Testing
@testable import Coordination

/// `watchData` and `watchChildren` against the in-memory store. Each step makes one change and then
/// waits for the value it must produce, so a missing, stale or duplicated value fails the next
/// expectation rather than being waited out.
@Suite(.timeLimit(.minutes(1)))
struct PersistentWatchTests {
    let server = InMemoryCoordination()

    /// A new session, seen through the protocol as the recipes see it.
    func session() -> any CoordinationStore {
        server.connect()
    }

    // MARK: watchData

    @Test func dataWatchFollowsCreationChangesAndDeletion() async throws {
        let watcher = session()
        let writer = session()
        var values = watcher.watchData("/config/primary_node").makeAsyncIterator()

        let missing = await values.next()
        #expect(missing == .some(nil))

        _ = try await writer.create("/config/primary_node", data: Array("hv1".utf8), mode: .persistent, makeParents: true)
        let created = try #require(await values.next() ?? nil)
        #expect(created.text == "hv1")

        let changed = try await writer.set("/config/primary_node", data: Array("hv2".utf8))
        let second = try #require(await values.next() ?? nil)
        #expect(second.text == "hv2")
        #expect(second.stat == changed)

        // The same bytes again is still a change: the version moved.
        _ = try await writer.set("/config/primary_node", data: Array("hv2".utf8))
        let third = try #require(await values.next() ?? nil)
        #expect(third.text == "hv2")
        #expect(third.stat.version == second.stat.version + 1)

        try await writer.delete("/config/primary_node")
        let deleted = await values.next()
        #expect(deleted == .some(nil))

        _ = try await writer.create("/config/primary_node", data: Array("none".utf8), mode: .persistent)
        let recreated = try #require(await values.next() ?? nil)
        #expect(recreated.text == "none")
        #expect(recreated.stat.version == 0)
    }

    @Test func dataWatchStartsWithTheCurrentValue() async throws {
        let store = session()
        _ = try await store.create("/n", data: Array("x".utf8), mode: .persistent)
        var values = store.watchData("/n").makeAsyncIterator()
        let first = try #require(await values.next() ?? nil)
        #expect(first.text == "x")
    }

    @Test func dataWatchReportsAChangeMadeWhileDisconnectedOnce() async throws {
        let watcher = session()
        let writer = session()
        _ = try await writer.create("/n", data: Array("a".utf8), mode: .persistent)
        var values = watcher.watchData("/n").makeAsyncIterator()
        #expect((await values.next() ?? nil)?.text == "a")

        server.suspend(sessionID: watcher.sessionID)
        _ = try await writer.set("/n", data: Array("b".utf8))
        server.resume(sessionID: watcher.sessionID)
        #expect((await values.next() ?? nil)?.text == "b")

        // No second "b": the next value is the next change.
        _ = try await writer.set("/n", data: Array("c".utf8))
        #expect((await values.next() ?? nil)?.text == "c")
    }

    @Test func dataWatchReportsNothingForADisconnectionWithoutChange() async throws {
        let watcher = session()
        let writer = session()
        _ = try await writer.create("/n", data: Array("a".utf8), mode: .persistent)
        var values = watcher.watchData("/n").makeAsyncIterator()
        #expect((await values.next() ?? nil)?.text == "a")

        server.suspend(sessionID: watcher.sessionID)
        server.resume(sessionID: watcher.sessionID)
        _ = try await writer.set("/n", data: Array("b".utf8))
        #expect((await values.next() ?? nil)?.text == "b")
    }

    @Test func dataWatchStartedWhileDisconnectedDeliversOnReconnection() async throws {
        // The longest session timeout the server grants: the watch's fallback re-read after a
        // failed read waits that long, so a value within `prompt` can only come from the
        // reconnection.
        let watcher = LossCountingStore(server.connect(sessionTimeout: .seconds(40)))
        let prompt = Duration.seconds(20)
        let writer = session()
        _ = try await writer.create("/n", data: Array("a".utf8), mode: .persistent)
        server.suspend(sessionID: watcher.sessionID)
        let values = watcher.watchData("/n")
        // Resume only once the watch's first read has failed: what follows is its re-read.
        #expect(await watcher.waitForLoss(of: .get))
        server.resume(sessionID: watcher.sessionID)
        let first: NodeData?? = await withDeadline(prompt) { () -> NodeData?? in
            for await value in values { return value }
            return nil
        } ?? nil
        #expect(first??.text == "a", "not delivered within \(prompt) of the reconnection")
        // The read lost to the disconnection, then the one after the reconnection.
        #expect(watcher.losses(of: .get) == 1)
        #expect(watcher.calls(of: .get) == 2)
    }

    @Test func dataWatchFinishesWhenTheSessionExpires() async throws {
        let watcher = session()
        var values = watcher.watchData("/n").makeAsyncIterator()
        #expect(await values.next() == .some(nil))
        server.expire(sessionID: watcher.sessionID)
        let end: NodeData?? = await values.next()
        #expect(end == nil)
    }

    @Test func dataWatchFinishesWhenTheSessionIsClosed() async throws {
        let watcher = session()
        var values = watcher.watchData("/n").makeAsyncIterator()
        #expect(await values.next() == .some(nil))
        await watcher.close()
        let end: NodeData?? = await values.next()
        #expect(end == nil)
    }

    @Test func dataWatchOnAnInvalidPathFinishesAtOnce() async {
        let store = session()
        var values = store.watchData("no-slash").makeAsyncIterator()
        let end: NodeData?? = await values.next()
        #expect(end == nil)
    }

    @Test func stoppingTheConsumerStopsTheWatch() async throws {
        let watcher = session()
        _ = try await watcher.create("/n", data: [], mode: .persistent)
        let consumer = Task {
            for await value in watcher.watchData("/n") where value?.text == "stop" {
                return true
            }
            return false
        }
        _ = try await watcher.set("/n", data: Array("stop".utf8))
        #expect(await consumer.value)
    }

    // MARK: The engine

    @Test func aValueReadAgainUnchangedIsNotDeliveredAgain() async throws {
        // Reads 1, 1, 2, 2, 2, 3, each firing its signal at once so that the watch reads again
        // straight away: as a reconnection and a watch event arriving together would.
        let script = Script([1, 1, 2, 2, 2, 3])
        let watch = PersistentWatch<Int>(store: session(), path: "/scripted", read: { signal in
            let value = script.next()
            signal.fire(WatchEvent(.dataChanged, path: "/scripted"))
            return .value(value)
        }, isSame: { $0 == $1 })
        var delivered: [Int] = []
        let end = await watch.run { value in
            delivered.append(value)
            return value != 3
        }
        #expect(delivered == [1, 2, 3])
        #expect(end == .stopped)
    }

    @Test func theEngineEndsWithTheSession() async throws {
        let store = session()
        let watch = PersistentWatch<Int>(store: store, path: "/scripted", read: { _ in .value(0) },
                                         isSame: { $0 == $1 })
        let running = Task { await watch.run { _ in true } }
        await store.close()
        #expect(await running.value == .sessionEnded)
    }

    // MARK: watchChildren

    @Test func childrenWatchFollowsTheNodeAndItsChildren() async throws {
        let watcher = session()
        let writer = session()
        var lists = watcher.watchChildren("/nodes").makeAsyncIterator()

        #expect(await lists.next() == .some(nil))
        _ = try await writer.create("/nodes", data: [], mode: .persistent)
        #expect(await lists.next() == .some([]))
        _ = try await writer.create("/nodes/hv2", data: [], mode: .persistent)
        #expect(await lists.next() == .some(["hv2"]))
        _ = try await writer.create("/nodes/hv1", data: [], mode: .ephemeral)
        #expect(await lists.next() == .some(["hv1", "hv2"]))
        // A change of the node's data is not a change of its children.
        _ = try await writer.set("/nodes", data: Array("x".utf8))
        try await writer.delete("/nodes/hv2")
        #expect(await lists.next() == .some(["hv1"]))
        await writer.close()   // its ephemeral goes with it
        #expect(await lists.next() == .some([]))
        try await watcher.delete("/nodes")
        #expect(await lists.next() == .some(nil))
    }

    @Test func childrenWatchCatchesUpAfterADisconnection() async throws {
        let watcher = session()
        let writer = session()
        _ = try await writer.create("/d", data: [], mode: .persistent)
        var lists = watcher.watchChildren("/d").makeAsyncIterator()
        #expect(await lists.next() == .some([]))

        server.suspend(sessionID: watcher.sessionID)
        _ = try await writer.create("/d/a", data: [], mode: .persistent)
        server.resume(sessionID: watcher.sessionID)
        #expect(await lists.next() == .some(["a"]))
        _ = try await writer.create("/d/b", data: [], mode: .persistent)
        #expect(await lists.next() == .some(["a", "b"]))
    }

    @Test func childrenWatchFinishesWhenTheSessionExpires() async throws {
        let watcher = session()
        var lists = watcher.watchChildren("/d").makeAsyncIterator()
        #expect(await lists.next() == .some(nil))
        server.expire(sessionID: watcher.sessionID)
        let end: [String]?? = await lists.next()
        #expect(end == nil)
    }
}

/// Hands out scripted values one per call.
private final class Script: Sendable {
    private let values: Mutex<[Int]>

    init(_ values: [Int]) {
        self.values = Mutex(values)
    }

    func next() -> Int {
        values.withLock { $0.isEmpty ? -1 : $0.removeFirst() }
    }
}
