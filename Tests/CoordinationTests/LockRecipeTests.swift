import Synchronization
import Testing
@testable import Coordination

/// The Kazoo-compatible lock recipes against the in-memory store. Every wait here is on an event
/// (a lock handed over, a contender node appearing); the only clock-bound waits are the timeouts
/// whose expiry is the behaviour under test.
@Suite(.timeLimit(.minutes(3)))
struct LockRecipeTests {
    let server = InMemoryCoordination()

    /// A new session, seen through the protocol as the recipes see it.
    func session() -> any CoordinationStore {
        server.connect()
    }

    /// Kazoo's own pattern for contender names, from `kazoo/recipe/lock.py`, anchored.
    static var kazooName: Regex<(Substring, Substring?)> { #/^[0-9a-f]{32}__(r)?lock__\d{10}$/# }

    // MARK: Mutual exclusion

    @Test func manyContendersAcrossSessionsNeverOverlapAndLoseNoUpdate() async throws {
        let sessions = (0..<4).map { _ in session() }
        let counterPath = "/counter"
        _ = try await sessions[0].create(counterPath, data: Array("0".utf8), mode: .persistent)
        let inside = Occupancy()
        let contendersPerSession = 8

        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, store) in sessions.enumerated() {
                for worker in 0..<contendersPerSession {
                    group.addTask {
                        let lock = CoordinationLock(store: store, path: "/locks/counter",
                                                    identifier: "s\(index)w\(worker)")
                        // 32 handovers in a row, each woken by a watch, share the test process's two
                        // threads with every other suite: the bound only stops a hang.
                        let lease = try await lock.acquire(timeout: .seconds(120))
                        inside.enter()
                        let value = Int(try await store.get(counterPath).text ?? "") ?? -1000
                        // Give every other task the chance to run in the middle of the
                        // read-modify-write: without the lock they would interleave here.
                        await Task.yield()
                        _ = try await store.set(counterPath, data: Array(String(value + 1).utf8))
                        inside.leave()
                        try await lease.release()
                    }
                }
            }
            try await group.waitForAll()
        }

        #expect(inside.most == 1)
        #expect(try await sessions[0].get(counterPath).text == String(sessions.count * contendersPerSession))
        #expect(try await sessions[0].children("/locks/counter").isEmpty)
    }

    @Test func contenderNodesAreKazoos() async throws {
        let store = session()
        let exclusive = try await CoordinationLock(store: store, path: "/l", identifier: "hv1").acquire(timeout: .seconds(5))
        let reader = try await CoordinationLock(store: store, path: "/r", kind: .read, identifier: "hv2")
            .acquire(timeout: .seconds(5))
        let writer = try await CoordinationLock(store: store, path: "/w", kind: .write).acquire(timeout: .seconds(5))

        for lease in [exclusive, reader, writer] {
            let name = PathRules.name(of: lease.contenderPath)
            #expect(name.wholeMatch(of: Self.kazooName) != nil, "\(name)")
            let stat = try #require(try await store.exists(lease.contenderPath))
            #expect(stat.ephemeralOwner == store.sessionID)
        }
        #expect(PathRules.name(of: exclusive.contenderPath).contains("__lock__"))
        #expect(PathRules.name(of: writer.contenderPath).contains("__lock__"))
        #expect(PathRules.name(of: reader.contenderPath).contains("__rlock__"))
        #expect(try await store.get(exclusive.contenderPath).text == "hv1")
        #expect(try await store.get(reader.contenderPath).text == "hv2")
        #expect(try await store.get(writer.contenderPath).data.isEmpty)
        // The locked znodes were made, empty and persistent, as Kazoo's ensure_path makes them.
        #expect(try await store.exists("/l")?.ephemeralOwner == 0)
    }

    @Test func nonContenderChildrenAreIgnored() async throws {
        let store = session()
        _ = try await store.create("/l/config", data: [], mode: .persistent, makeParents: true)
        _ = try await store.create("/l/x__lock__", data: [], mode: .persistentSequential)
        // `x__lock__0000000001` is a contender for Kazoo (the pattern is searched, not anchored).
        let foreign = try await store.children("/l").first { $0.hasPrefix("x__lock__") }
        let foreignName = try #require(foreign)
        let blocked = CoordinationLock(store: store, path: "/l")
        await expectLockTimeout(on: "/l") {
            try await blocked.acquire(timeout: .zero)
        }
        try await store.delete(PathRules.join("/l", foreignName))
        let lease = try await blocked.acquire(timeout: .zero)
        #expect(lease.isHeld)
    }

    // MARK: Timeouts and cancellation

    @Test func timeoutThrowsLockTimeoutAndLeavesNoContender() async throws {
        let holder = session()
        let waiter = session()
        let held = try await CoordinationLock(store: holder, path: "/vm/state").acquire(timeout: .seconds(5))

        let lock = CoordinationLock(store: waiter, path: "/vm/state")
        await expectLockTimeout(on: "/vm/state") {
            try await lock.acquire(timeout: .milliseconds(100))
        }
        #expect(try await waiter.children("/vm/state") == [PathRules.name(of: held.contenderPath)])
        #expect(held.isHeld)
    }

    @Test func cancellationDeletesTheContenderAndThrowsCancellationError() async throws {
        let holder = session()
        let waiter = session()
        _ = try await CoordinationLock(store: holder, path: "/c").acquire(timeout: .seconds(5))
        var children = holder.watchChildren("/c").makeAsyncIterator()
        #expect(await children.next()??.count == 1)

        let waiting = Task { try await CoordinationLock(store: waiter, path: "/c").acquire(timeout: .seconds(30)) }
        #expect(await children.next()??.count == 2)
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(try await holder.children("/c").count == 1)
    }

    @Test func zeroTimeoutTakesAFreeLock() async throws {
        let store = session()
        let lease = try await CoordinationLock(store: store, path: "/free").acquire(timeout: .zero)
        #expect(lease.isHeld)
    }

    // MARK: Hand-over

    @Test func releaseHandsTheLockToTheNextWaiter() async throws {
        let first = session()
        let second = session()
        let held = try await CoordinationLock(store: first, path: "/h").acquire(timeout: .seconds(5))
        var children = first.watchChildren("/h").makeAsyncIterator()
        #expect(await children.next()??.count == 1)
        let waiting = Task { try await CoordinationLock(store: second, path: "/h").acquire(timeout: .seconds(30)) }
        #expect(await children.next()??.count == 2)

        try await held.release()
        #expect(!held.isHeld)
        #expect(await held.waitUntilLost(timeout: .zero))
        let next = try await waiting.value
        #expect(next.isHeld)
        try await held.release()   // idempotent
        #expect(try await first.children("/h") == [PathRules.name(of: next.contenderPath)])
    }

    @Test func holderSessionExpiryLosesTheLeaseAndHandsTheLockOn() async throws {
        let holder = session()
        let waiter = session()
        let lease = try await CoordinationLock(store: holder, path: "/e").acquire(timeout: .seconds(5))
        var children = waiter.watchChildren("/e").makeAsyncIterator()
        #expect(await children.next()??.count == 1)
        let waiting = Task { try await CoordinationLock(store: waiter, path: "/e").acquire(timeout: .seconds(30)) }
        #expect(await children.next()??.count == 2)
        #expect(await lease.waitUntilLost(timeout: .milliseconds(10)) == false)

        server.expire(sessionID: holder.sessionID)
        #expect(!lease.isHeld)
        #expect(await lease.waitUntilLost(timeout: .seconds(10)))
        let next = try await waiting.value
        #expect(next.isHeld)
        // Releasing a lease whose session is gone is not an error: its node went with the session.
        try await lease.release()
    }

    @Test func waitUntilLostReturnsWhenTheSessionExpiresLater() async throws {
        let holder = session()
        let lease = try await CoordinationLock(store: holder, path: "/later").acquire(timeout: .seconds(5))
        let watcher = Task { await lease.waitUntilLost(timeout: .seconds(30)) }
        server.expire(sessionID: holder.sessionID)
        #expect(await watcher.value)
    }

    @Test func contenderDeletedBySomeoneElseLosesTheLease() async throws {
        let holder = session()
        let admin = session()
        let lease = try await CoordinationLock(store: holder, path: "/d").acquire(timeout: .seconds(5))
        try await admin.delete(lease.contenderPath)
        #expect(await lease.waitUntilLost(timeout: .seconds(10)))
        #expect(!lease.isHeld)
        try await lease.release()
    }

    @Test func acquireOnAnExpiredSessionThrowsTheSessionError() async throws {
        let holder = session()
        let waiter = session()
        _ = try await CoordinationLock(store: holder, path: "/x").acquire(timeout: .seconds(5))
        var children = holder.watchChildren("/x").makeAsyncIterator()
        #expect(await children.next()??.count == 1)
        let waiting = Task { try await CoordinationLock(store: waiter, path: "/x").acquire(timeout: .seconds(30)) }
        #expect(await children.next()??.count == 2)
        server.expire(sessionID: waiter.sessionID)
        let error = await #expect(throws: CoordinationError.self) { try await waiting.value }
        #expect(error?.code == .sessionExpired)
        #expect(await children.next()??.count == 1)
    }

    @Test func aLeaseStaysHeldThroughAConnectionLossAndReleasesAfterIt() async throws {
        // The release waits for the connection up to the session timeout: the longest the server
        // allows, so a test task scheduled late to resume it does not outrun that wait.
        let holder = LossCountingStore(server.connect(sessionTimeout: .seconds(40)))
        let other = session()
        let lease = try await CoordinationLock(store: holder, path: "/k").acquire(timeout: .seconds(5))
        server.suspend(sessionID: holder.sessionID)
        // Suspended is not lost: the session, and so the node, may well be alive on the server.
        #expect(lease.isHeld)
        let releasing = Task { try await lease.release() }
        // Resume only once the release's delete has failed: what follows is its retry.
        #expect(await holder.waitForLoss(of: .delete))
        #expect(lease.isHeld)
        server.resume(sessionID: holder.sessionID)
        try await releasing.value
        #expect(!lease.isHeld)
        #expect(try await other.children("/k").isEmpty)
        // One delete lost to the disconnection, one after the reconnection.
        #expect(holder.losses(of: .delete) == 1)
        #expect(holder.calls(of: .delete) == 2)
    }

    @Test func acquireRidesOutAConnectionLoss() async throws {
        let holder = session()
        let waiter = session()
        let held = try await CoordinationLock(store: holder, path: "/s").acquire(timeout: .seconds(5))
        var children = holder.watchChildren("/s").makeAsyncIterator()
        #expect(await children.next()??.count == 1)
        let waiting = Task { try await CoordinationLock(store: waiter, path: "/s").acquire(timeout: .seconds(30)) }
        #expect(await children.next()??.count == 2)

        server.suspend(sessionID: waiter.sessionID)
        try await held.release()
        server.resume(sessionID: waiter.sessionID)
        let lease = try await waiting.value
        #expect(lease.isHeld)
    }

    @Test func acquireStartedWhileDisconnectedCompletesAfterReconnection() async throws {
        let store = LossCountingStore(server.connect())
        server.suspend(sessionID: store.sessionID)
        let waiting = Task { try await CoordinationLock(store: store, path: "/late").acquire(timeout: .seconds(30)) }
        // Resume only once the contender's create has failed: what follows is its retry.
        #expect(await store.waitForLoss(of: .create))
        server.resume(sessionID: store.sessionID)
        let lease = try await waiting.value
        #expect(lease.isHeld)
        #expect(store.losses(of: .create) == 1)
        // The retry found no node of ours (the lost create was never applied) and made exactly one.
        #expect(try await store.children("/late").count == 1)
    }

    @Test func createWhoseAnswerIsLostIsFoundAgainNotRepeated() async throws {
        let session = server.connect()
        let store = AnswerLosingStore(session)
        let lease = try await CoordinationLock(store: store, path: "/lost").acquire(timeout: .seconds(5))
        #expect(store.lostAnswers == 1)
        // One contender only: the retry found the node the server had created for us.
        #expect(try await session.children("/lost") == [PathRules.name(of: lease.contenderPath)])
    }

    @Test func timeoutAfterALostCreateAnswerStillDeletesTheNode() async throws {
        let holder = session()
        let held = try await CoordinationLock(store: holder, path: "/lost").acquire(timeout: .seconds(5))
        let session = server.connect()
        let store = AnswerLosingStore(session)
        await expectLockTimeout(on: "/lost") {
            try await CoordinationLock(store: store, path: "/lost").acquire(timeout: .milliseconds(50))
        }
        #expect(store.lostAnswers == 1)
        #expect(try await holder.children("/lost") == [PathRules.name(of: held.contenderPath)])
    }

    // MARK: Readers and writers

    @Test func twoReadersHoldAtOnce() async throws {
        let a = session()
        let b = session()
        let first = try await CoordinationLock(store: a, path: "/rw", kind: .read).acquire(timeout: .zero)
        let second = try await CoordinationLock(store: b, path: "/rw", kind: .read).acquire(timeout: .zero)
        #expect(first.isHeld && second.isHeld)
    }

    @Test func writerWaitsForReadersAndExcludesReadersThatComeAfter() async throws {
        let a = session()
        let b = session()
        let c = session()
        let reader = try await CoordinationLock(store: a, path: "/rw", kind: .read).acquire(timeout: .zero)
        var children = a.watchChildren("/rw").makeAsyncIterator()
        #expect(await children.next()??.count == 1)
        let writing = Task { try await CoordinationLock(store: b, path: "/rw", kind: .write).acquire(timeout: .seconds(30)) }
        #expect(await children.next()??.count == 2)

        // Queued behind the writer, a new reader must wait.
        await expectLockTimeout(on: "/rw") {
            try await CoordinationLock(store: c, path: "/rw", kind: .read).acquire(timeout: .zero)
        }
        try await reader.release()
        let writer = try await writing.value
        #expect(writer.isHeld)
        await expectLockTimeout(on: "/rw") {
            try await CoordinationLock(store: c, path: "/rw", kind: .read).acquire(timeout: .zero)
        }
        try await writer.release()
        let later = try await CoordinationLock(store: c, path: "/rw", kind: .read).acquire(timeout: .zero)
        #expect(later.isHeld)
    }

    @Test func readerQueuedBeforeAWriterDoesNotWaitForIt() async throws {
        let a = session()
        let b = session()
        let c = session()
        let firstWriter = try await CoordinationLock(store: a, path: "/q", kind: .write).acquire(timeout: .zero)
        var children = a.watchChildren("/q").makeAsyncIterator()
        #expect(await children.next()??.count == 1)
        let reading = Task { try await CoordinationLock(store: b, path: "/q", kind: .read).acquire(timeout: .seconds(30)) }
        #expect(await children.next()??.count == 2)
        let writing = Task { try await CoordinationLock(store: c, path: "/q", kind: .write).acquire(timeout: .seconds(30)) }
        #expect(await children.next()??.count == 3)

        // Kazoo 2.8's ReadLock would now wait for the second writer, which waits for it: deadlock.
        try await firstWriter.release()
        let reader = try await reading.value
        #expect(reader.isHeld)
        #expect(await children.next()??.count == 2)
        try await reader.release()
        let secondWriter = try await writing.value
        #expect(secondWriter.isHeld)
    }

    @Test func exclusiveLockIgnoresReadersButExcludesWriters() async throws {
        let a = session()
        let b = session()
        let reader = try await CoordinationLock(store: a, path: "/m", kind: .read).acquire(timeout: .zero)
        let exclusive = try await CoordinationLock(store: b, path: "/m").acquire(timeout: .zero)
        #expect(reader.isHeld && exclusive.isHeld)
        await expectLockTimeout(on: "/m") {
            try await CoordinationLock(store: a, path: "/m", kind: .write).acquire(timeout: .zero)
        }
        try await reader.release()
        await expectLockTimeout(on: "/m") {
            try await CoordinationLock(store: a, path: "/m", kind: .write).acquire(timeout: .zero)
        }
        try await exclusive.release()
        let writer = try await CoordinationLock(store: a, path: "/m", kind: .write).acquire(timeout: .zero)
        #expect(writer.isHeld)
    }

    // MARK: Names

    @Test(arguments: [
        ("0123456789abcdef0123456789abcdef__lock__0000000007", ContenderName.Marker.lock, "0000000007"),
        ("0123456789abcdef0123456789abcdef__rlock__0000000012", .readLock, "0000000012"),
        ("x__lock__-2147483648", .lock, "-2147483648"),
        ("__lock__0000000000", .lock, "0000000000"),
    ])
    func contenderNamesParseAsKazooReadsThem(name: String, marker: ContenderName.Marker, sequence: String) throws {
        let parsed = try #require(ContenderName(name))
        #expect(parsed.marker == marker)
        #expect(parsed.sequence == sequence)
    }

    @Test(arguments: ["config", "lock", "abc__lock__", "abc__lock__000000001", "abc__lock__00000000001x",
                      "abc__rlock_0000000001", "abc__lock__000000000a"])
    func otherChildrenAreNotContenders(name: String) {
        #expect(ContenderName(name) == nil)
    }

    @Test func prefixesAreFreshUUID4Hex() {
        let prefixes = (0..<100).map { _ in ContenderName.makePrefix(marker: .lock) }
        #expect(Set(prefixes).count == prefixes.count)
        for prefix in prefixes {
            #expect(prefix.wholeMatch(of: #/[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}__lock__/#) != nil, "\(prefix)")
        }
    }
}

/// Counts the tasks inside a critical section, and the most there ever were at once.
/// A copy of the one in Tests/ContractTests/LockContractTests.swift (test targets cannot share a file
/// without a support target of their own): keep the two identical.
private final class Occupancy: Sendable {
    private let state = Mutex((now: 0, most: 0))

    func enter() {
        state.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
    }

    func leave() {
        state.withLock { $0.now -= 1 }
    }

    var most: Int {
        state.withLock { $0.most }
    }
}

private func expectLockTimeout(on path: String, sourceLocation: SourceLocation = #_sourceLocation,
                               _ body: () async throws -> LockLease) async {
    let error = await #expect(throws: CoordinationError.self, sourceLocation: sourceLocation) {
        _ = try await body()
    }
    #expect(error?.code == .lockTimeout, sourceLocation: sourceLocation)
    #expect(error?.path == path, sourceLocation: sourceLocation)
}

/// A store whose first sequential create is applied but answered with `connectionLoss`, as when
/// the connection drops between the server's commit and its reply.
private final class AnswerLosingStore: CoordinationStore {
    private let base: InMemorySession
    private let lost = Mutex(0)

    init(_ base: InMemorySession) {
        self.base = base
    }

    var lostAnswers: Int { lost.withLock { $0 } }

    var sessionState: SessionState { base.sessionState }
    var sessionID: Int64 { base.sessionID }
    var sessionTimeout: Duration { base.sessionTimeout }
    func sessionStates() -> AsyncStream<SessionState> { base.sessionStates() }

    func create(_ path: String, data: [UInt8], mode: CreateMode) async throws -> String {
        let created = try await base.create(path, data: data, mode: mode)
        let loseIt = mode.isSequential && lost.withLock { count in
            defer { count += 1 }
            return count == 0
        }
        if loseIt { throw CoordinationError(.connectionLoss, path: path) }
        return created
    }

    func get(_ path: String, watch: WatchSignal?) async throws -> NodeData { try await base.get(path, watch: watch) }
    func set(_ path: String, data: [UInt8], version: Int32?) async throws -> Stat {
        try await base.set(path, data: data, version: version)
    }
    func delete(_ path: String, version: Int32?) async throws { try await base.delete(path, version: version) }
    func exists(_ path: String, watch: WatchSignal?) async throws -> Stat? { try await base.exists(path, watch: watch) }
    func children(_ path: String, watch: WatchSignal?) async throws -> [String] {
        try await base.children(path, watch: watch)
    }
    func sync(_ path: String) async throws { try await base.sync(path) }
    func multi(_ operations: [Operation]) async throws -> [OperationResult] { try await base.multi(operations) }
    func close() async { await base.close() }
}
