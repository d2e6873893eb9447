import Coordination
import Synchronization
import Testing

/// `CoordinationLock` (Kazoo's Lock, ReadLock and WriteLock) over each store: mutual exclusion,
/// timeouts, the reader/writer rules, the contender names, and what a holder's expiry does.
///
/// "X must wait" is checked with an acquire that times out (a lock wrongly granted would be
/// returned instead); "X gets it next" with an acquire started in a task, once its contender node
/// is seen in the tree.
@Suite(.timeLimit(.minutes(2)))
struct LockContractTests {
    /// Kazoo's own pattern for contender names (`kazoo/recipe/lock.py`), anchored.
    static var kazooName: Regex<(Substring, Substring?)> { #/^[0-9a-f]{32}__(r)?lock__[0-9]{10}$/# }

    @Test(arguments: StoreKind.allCases)
    func manyContendersOverSeveralSessionsNeverOverlapAndLoseNoUpdate(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, first in
            var sessions = [first]
            for _ in 0..<2 { sessions.append(try await contract.session()) }
            let counter = contract.path("counter")
            let lockPath = contract.path("locks/counter")
            _ = try await first.create(counter, data: bytes("0"), mode: .persistent)
            let inside = Occupancy()
            let perSession = 8

            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, store) in sessions.enumerated() {
                    for worker in 0..<perSession {
                        group.addTask {
                            let lock = CoordinationLock(store: store, path: lockPath, identifier: "s\(index)w\(worker)")
                            let lease = try await lock.acquire(timeout: .seconds(60))
                            inside.enter()
                            // A read-modify-write with no version check: only the lock stands
                            // between two increments and a lost update.
                            let value = Int(try await store.get(counter).text ?? "") ?? -1_000
                            await Task.yield()
                            _ = try await store.set(counter, data: bytes(String(value + 1)), version: nil)
                            inside.leave()
                            try await lease.release()
                        }
                    }
                }
                try await group.waitForAll()
            }

            #expect(inside.most == 1)
            #expect(try await first.get(counter).text == String(sessions.count * perSession))
            #expect(try await first.children(lockPath) == [])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aTimedOutAcquireThrowsLockTimeoutAndLeavesNoContender(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, holder in
            let waiter = try await contract.session()
            let lockPath = contract.path("lock")
            let held = try await CoordinationLock(store: holder, path: lockPath).acquire(timeout: .seconds(10))

            for timeout: Duration in [.milliseconds(200), .zero] {
                await expectError(.lockTimeout, path: lockPath) {
                    try await CoordinationLock(store: waiter, path: lockPath).acquire(timeout: timeout)
                }
                #expect(try await waiter.children(lockPath) == [PathRules.name(of: held.contenderPath)])
            }
            #expect(held.isHeld)
            #expect(await held.waitUntilLost(timeout: .zero) == false)

            // Released, the lock is free even for a zero timeout.
            try await held.release()
            #expect(!held.isHeld)
            let next = try await CoordinationLock(store: waiter, path: lockPath).acquire(timeout: .zero)
            #expect(next.isHeld)
            #expect(try await holder.children(lockPath) == [PathRules.name(of: next.contenderPath)])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func contenderNodesAreKazoos(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, store in
            let cases: [(LockKind, String, String)] = [
                (.exclusive, "exclusive", "__lock__"), (.read, "read", "__rlock__"), (.write, "write", "__lock__"),
            ]
            for (lockKind, name, marker) in cases {
                let lockPath = contract.path(name)
                let lease = try await CoordinationLock(store: store, path: lockPath, kind: lockKind, identifier: "hv-\(name)")
                    .acquire(timeout: .seconds(10))
                let node = PathRules.name(of: lease.contenderPath)
                #expect(PathRules.parent(of: lease.contenderPath) == lockPath)
                #expect(node.wholeMatch(of: Self.kazooName) != nil, "\(node)")
                #expect(node.contains(marker), "\(node)")
                let stored = try await store.get(lease.contenderPath)
                #expect(stored.text == "hv-\(name)")
                #expect(stored.stat.ephemeralOwner == store.sessionID)
                #expect(try await store.children(lockPath) == [node])
                // The lock's own node is made on demand, empty and persistent.
                let lockNode = try await store.get(lockPath)
                #expect(lockNode.data.isEmpty && lockNode.stat.ephemeralOwner == 0)
                try await lease.release()
                #expect(try await store.children(lockPath) == [])
            }
        }
    }

    // MARK: Readers and writers

    @Test(arguments: StoreKind.allCases)
    func twoReadersHoldAtOnce(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, a in
            let b = try await contract.session()
            let lockPath = contract.path("rw")
            let first = try await CoordinationLock(store: a, path: lockPath, kind: .read).acquire(timeout: .seconds(10))
            // Bounded generously: a reader blocked by the first would wait out the whole bound and fail,
            // while the shared server of a loaded test run may take a second to answer.
            let second = try await CoordinationLock(store: b, path: lockPath, kind: .read).acquire(timeout: .seconds(10))
            #expect(first.isHeld && second.isHeld)
            #expect(try await a.children(lockPath).count == 2)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aWriterWaitsForAReaderThatCameFirst(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, a in
            let b = try await contract.session()
            let lockPath = contract.path("rw")
            let reader = try await CoordinationLock(store: a, path: lockPath, kind: .read).acquire(timeout: .seconds(10))
            await expectError(.lockTimeout, path: lockPath) {
                try await CoordinationLock(store: b, path: lockPath, kind: .write).acquire(timeout: .milliseconds(200))
            }

            let writing = Task { try await CoordinationLock(store: b, path: lockPath, kind: .write).acquire(timeout: .seconds(60)) }
            #expect(await waitForContenders(2, at: lockPath, store: a))
            try await reader.release()
            let writer = try await writing.value
            #expect(writer.isHeld)
            #expect(try await a.children(lockPath) == [PathRules.name(of: writer.contenderPath)])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aReaderThatComesAfterAWriterWaits(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, a in
            let b = try await contract.session()
            let c = try await contract.session()
            let lockPath = contract.path("rw")

            // Behind a writer that holds the lock.
            let holding = try await CoordinationLock(store: a, path: lockPath, kind: .write).acquire(timeout: .seconds(10))
            await expectError(.lockTimeout, path: lockPath) {
                try await CoordinationLock(store: c, path: lockPath, kind: .read).acquire(timeout: .milliseconds(200))
            }
            try await holding.release()

            // Behind a writer that only waits, for a reader that came before both.
            let reader = try await CoordinationLock(store: a, path: lockPath, kind: .read).acquire(timeout: .seconds(10))
            let writing = Task { try await CoordinationLock(store: b, path: lockPath, kind: .write).acquire(timeout: .seconds(60)) }
            #expect(await waitForContenders(2, at: lockPath, store: a))
            await expectError(.lockTimeout, path: lockPath) {
                try await CoordinationLock(store: c, path: lockPath, kind: .read).acquire(timeout: .milliseconds(200))
            }
            let reading = Task { try await CoordinationLock(store: c, path: lockPath, kind: .read).acquire(timeout: .seconds(60)) }
            #expect(await waitForContenders(3, at: lockPath, store: a))

            try await reader.release()
            let writer = try await writing.value
            #expect(writer.isHeld)
            // The late reader still waits for the writer.
            #expect(try await a.children(lockPath).count == 2)
            try await writer.release()
            let lateReader = try await reading.value
            #expect(lateReader.isHeld)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func anExclusiveLockAndAWriteLockExcludeEachOther(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, a in
            let b = try await contract.session()
            let lockPath = contract.path("m")
            let exclusive = try await CoordinationLock(store: a, path: lockPath).acquire(timeout: .seconds(10))
            await expectError(.lockTimeout, path: lockPath) {
                try await CoordinationLock(store: b, path: lockPath, kind: .write).acquire(timeout: .milliseconds(200))
            }
            try await exclusive.release()

            let writer = try await CoordinationLock(store: b, path: lockPath, kind: .write).acquire(timeout: .seconds(10))
            await expectError(.lockTimeout, path: lockPath) {
                try await CoordinationLock(store: a, path: lockPath).acquire(timeout: .milliseconds(200))
            }
            let waiting = Task { try await CoordinationLock(store: a, path: lockPath).acquire(timeout: .seconds(60)) }
            #expect(await waitForContenders(2, at: lockPath, store: a))
            try await writer.release()
            let next = try await waiting.value
            #expect(next.isHeld)
        }
    }

    // MARK: Losing the lock

    @Test(arguments: StoreKind.allCases)
    func aHolderWhoseSessionExpiresLosesTheLockToTheNextWaiter(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, waiter in
            let holder = try await contract.session()
            let lockPath = contract.path("lock")
            let lease = try await CoordinationLock(store: holder, path: lockPath).acquire(timeout: .seconds(10))
            let waiting = Task { try await CoordinationLock(store: waiter, path: lockPath).acquire(timeout: .seconds(60)) }
            #expect(await waitForContenders(2, at: lockPath, store: waiter))
            #expect(lease.isHeld)

            try await contract.expire(holder)

            #expect(await lease.waitUntilLost(timeout: Contract.patience))
            #expect(!lease.isHeld)
            let next = try await waiting.value
            #expect(next.isHeld)
            #expect(try await waiter.children(lockPath) == [PathRules.name(of: next.contenderPath)])
            // Releasing a lease whose session is gone is not an error: its node went with the session.
            try await lease.release()
            #expect(next.isHeld)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aHolderWhoseNodeIsDeletedLosesTheLock(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, admin in
            let holder = try await contract.session()
            let lockPath = contract.path("lock")
            let lease = try await CoordinationLock(store: holder, path: lockPath).acquire(timeout: .seconds(10))
            try await admin.delete(lease.contenderPath)
            #expect(await lease.waitUntilLost(timeout: Contract.patience))
            #expect(!lease.isHeld)
            try await lease.release()
        }
    }

    @Test(arguments: StoreKind.allCases)
    func closingTheHoldersSessionFreesTheLock(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, waiter in
            let holder = try await contract.session()
            let lockPath = contract.path("lock")
            let lease = try await CoordinationLock(store: holder, path: lockPath).acquire(timeout: .seconds(10))
            await holder.close()
            #expect(!lease.isHeld)
            #expect(await lease.waitUntilLost(timeout: .zero))
            let next = try await CoordinationLock(store: waiter, path: lockPath).acquire(timeout: .zero)
            #expect(next.isHeld)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func acquiringOnAClosedSessionThrowsClosed(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, observer in
            let closed = try await contract.session()
            await closed.close()
            let lockPath = contract.path("lock")
            let error = await #expect(throws: CoordinationError.self) {
                try await CoordinationLock(store: closed, path: lockPath).acquire(timeout: .seconds(5))
            }
            #expect(error?.code == .closed)
            #expect(try await observer.exists(lockPath) == nil)
        }
    }

    /// Polls until `lockPath` has `count` children: the contenders started in tasks have queued.
    private func waitForContenders(_ count: Int, at lockPath: String, store: any CoordinationStore) async -> Bool {
        await eventually {
            (try? await store.children(lockPath).count) == count
        }
    }
}

/// Counts the tasks inside a critical section, and the most there ever were at once.
/// A copy of the one in Tests/CoordinationTests/LockRecipeTests.swift (test targets cannot share a file
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
