import Coordination
import Synchronization
import Testing

/// The in-memory store's own controls and the ZooKeeper details it must copy exactly. The general
/// store behaviour is the contract suite's job, run against this store and a real server alike.
@Suite struct InMemoryStoreTests {
    /// A clock the test moves by hand.
    final class ManualClock: Sendable {
        private let now: Mutex<Int64>
        init(_ start: Int64) { now = Mutex(start) }
        func set(_ value: Int64) { now.withLock { $0 = value } }
        func read() -> Int64 { now.withLock { $0 } }
    }

    private func expectError(_ code: CoordinationError.Code, _ body: () async throws -> Void,
                             sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            try await body()
            Issue.record("expected \(code), the call succeeded", sourceLocation: sourceLocation)
        } catch let error as CoordinationError {
            #expect(error.code == code, sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected a CoordinationError, got \(error)", sourceLocation: sourceLocation)
        }
    }

    private func failureCode(of signal: WatchSignal) -> CoordinationError.Code? {
        if case .failure(let error) = signal.outcome { return error.code }
        return nil
    }

    @Test func freshServerLooksLikeZooKeeper() async throws {
        let session = InMemoryCoordination().connect()
        #expect(try await session.children("/", watch: nil) == ["zookeeper"])
        #expect(try await session.children("/zookeeper", watch: nil) == ["config", "quota"])
        let root = try #require(try await session.exists("/", watch: nil))
        // ZooKeeper serves cversion as 2 * creates - children, and "zookeeper" was never created.
        #expect(root.cversion == -1)
        #expect(root.numChildren == 1)
        #expect(root.czxid == 0)
        #expect(session.sessionID != 0)
    }

    @Test func expiryDeletesEphemeralsAndFiresOtherSessionsWatches() async throws {
        let server = InMemoryCoordination()
        let doomed = server.connect()
        let observer = server.connect()
        _ = try await doomed.create("/lock", data: [1], mode: .ephemeral)
        let observed = WatchSignal()
        #expect(try await observer.exists("/lock", watch: observed)?.ephemeralOwner == doomed.sessionID)
        let doomedOwnWatch = WatchSignal()
        _ = try await doomed.children("/", watch: doomedOwnWatch)

        server.expire(sessionID: doomed.sessionID)

        #expect(try await observer.exists("/lock", watch: nil) == nil)
        #expect(observed.outcome == .success(WatchEvent(.deleted, path: "/lock")))
        #expect(failureCode(of: doomedOwnWatch) == .sessionExpired)
        #expect(doomed.sessionState == .expired)
        #expect(server.sessionIDs == [observer.sessionID])
        await expectError(.sessionExpired) { _ = try await doomed.get("/", watch: nil) }
    }

    @Test func suspendedSessionKeepsEphemeralsAndWatchesAndFiresThemOnResume() async throws {
        let server = InMemoryCoordination()
        let session = server.connect()
        let writer = server.connect()
        _ = try await session.create("/eph", data: [], mode: .ephemeral)
        _ = try await writer.create("/changed", data: [], mode: .persistent)
        _ = try await writer.create("/untouched", data: [], mode: .persistent)
        let changed = WatchSignal()
        let untouched = WatchSignal()
        let flicker = WatchSignal()
        _ = try await session.get("/changed", watch: changed)
        _ = try await session.get("/untouched", watch: untouched)
        #expect(try await session.exists("/flicker", watch: flicker) == nil)

        server.suspend(sessionID: session.sessionID)
        #expect(session.sessionState == .suspended)
        await expectError(.connectionLoss) { _ = try await session.exists("/eph", watch: nil) }
        _ = try await writer.set("/changed", data: [1], version: nil)
        try await writer.delete("/changed", version: nil)
        _ = try await writer.create("/flicker", data: [], mode: .persistent)
        try await writer.delete("/flicker", version: nil)
        // A disconnected client hears nothing, and its ephemerals stay.
        #expect(changed.outcome == nil)
        #expect(try await writer.exists("/eph", watch: nil) != nil)

        server.resume(sessionID: session.sessionID)

        #expect(session.sessionState == .connected)
        // As ZooKeeper's setWatches answers: the node is gone now, whatever happened first.
        #expect(changed.outcome == .success(WatchEvent(.deleted, path: "/changed")))
        #expect(untouched.outcome == nil)
        // Created and deleted while away: the node is missing again, so the watch stays armed.
        #expect(flicker.outcome == nil)
        #expect(server.armedWatchCount(of: session.sessionID) == 2)
        _ = try await writer.set("/untouched", data: [2], version: nil)
        #expect(untouched.outcome == .success(WatchEvent(.dataChanged, path: "/untouched")))
    }

    @Test func closingWhileSuspendedLeavesEphemeralsUntilExpiry() async throws {
        let server = InMemoryCoordination()
        let session = server.connect()
        let other = server.connect()
        _ = try await session.create("/eph", data: [], mode: .ephemeral)
        let watch = WatchSignal()
        _ = try await session.get("/eph", watch: watch)

        server.suspend(sessionID: session.sessionID)
        await session.close()

        #expect(session.sessionState == .closed)
        #expect(failureCode(of: watch) == .closed)
        #expect(try await other.exists("/eph", watch: nil) != nil)
        #expect(server.sessionIDs.contains(session.sessionID))

        server.expire(sessionID: session.sessionID)

        #expect(try await other.exists("/eph", watch: nil) == nil)
        #expect(session.sessionState == .closed)
        await expectError(.closed) { _ = try await session.children("/", watch: nil) }
    }

    @Test func injectedClockShowsInCtimeAndMtime() async throws {
        let clock = ManualClock(1_000)
        let session = InMemoryCoordination(clock: { clock.read() }).connect()
        _ = try await session.create("/n", data: [], mode: .persistent)
        clock.set(5_000)
        let stat = try await session.set("/n", data: [1], version: 0)
        #expect(stat.ctime == 1_000)
        #expect(stat.mtime == 5_000)
        #expect(try await session.get("/n", watch: nil).stat == stat)
    }

    @Test func multiIsOneZxidAndAFailedOneChangesNothing() async throws {
        let server = InMemoryCoordination()
        let session = server.connect()
        let results = try await session.multi([
            .create("/a", data: [1]),
            .create("/a/b", data: [2]),
            .set("/a", data: [3], version: 0),
        ])
        let a = try await session.get("/a", watch: nil).stat
        let b = try await session.get("/a/b", watch: nil).stat
        #expect(a.czxid == b.czxid)
        #expect(a.mzxid == a.czxid)
        #expect(server.lastZxid == a.czxid)
        #expect(results == [.created("/a"), .created("/a/b"), .set(a)])

        let before = server.dump()
        do {
            _ = try await session.multi([.create("/c"), .delete("/a"), .create("/d")])
            Issue.record("deleting a node with children must fail the transaction")
        } catch {
            #expect(error.code == .notEmpty)
            #expect(error.failedOperation == 1)
            #expect(error.path == "/a")
        }
        #expect(server.dump() == before)
        // ZooKeeper logs a failed write as an error transaction, which takes a zxid.
        #expect(server.lastZxid == a.czxid + 1)
    }

    @Test func sequenceNumbersCountCreatesWhileCversionCountsDeletesToo() async throws {
        let session = InMemoryCoordination().connect()
        _ = try await session.create("/q", data: [], mode: .persistent)
        let first = try await session.create("/q/item-", data: [], mode: .persistentSequential)
        try await session.delete(first, version: nil)
        let second = try await session.create("/q/item-", data: [], mode: .ephemeralSequential)
        #expect(first == "/q/item-0000000000")
        // ZooKeeper suffixes the stored cversion, which a delete does not move.
        #expect(second == "/q/item-0000000001")
        // The served cversion is 2 * creates - children: two creates and one delete.
        #expect(try await session.exists("/q", watch: nil)?.cversion == 3)
    }

    @Test func sessionStatesReportEveryChangeThenFinish() async throws {
        let server = InMemoryCoordination()
        let session = server.connect()
        let states = session.sessionStates()
        server.suspend(sessionID: session.sessionID)
        server.resume(sessionID: session.sessionID)
        server.expire(sessionID: session.sessionID)
        var seen: [SessionState] = []
        for await state in states {
            seen.append(state)
        }
        #expect(seen == [.connected, .suspended, .connected, .expired])

        var late: [SessionState] = []
        for await state in session.sessionStates() {
            late.append(state)
        }
        #expect(late == [.expired])
    }
}
