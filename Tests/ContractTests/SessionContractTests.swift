import Coordination
import Testing

/// A session's life: its identity and state, closing (ephemerals go at once, watches fail, calls
/// throw `closed`) and expiry made by the server (the same, with `sessionExpired`).
@Suite(.timeLimit(.minutes(2)))
struct SessionContractTests {
    @Test(arguments: StoreKind.allCases)
    func aNewSessionIsConnectedWithTheTimeoutItAskedFor(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, first in
            let second = try await contract.session()
            #expect(first.sessionState == .connected)
            #expect(first.sessionID != 0)
            #expect(first.sessionID != second.sessionID)
            #expect(first.sessionTimeout == Contract.sessionTimeout)
            var states = first.sessionStates().makeAsyncIterator()
            #expect(await states.next() == .connected)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func closingRemovesTheSessionsEphemeralsAtOnce(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, observer in
            let owner = try await contract.session()
            let ephemeral = contract.path("eph")
            let persistent = contract.path("kept")
            _ = try await owner.create(ephemeral, data: [], mode: .ephemeral)
            let sequential = try await owner.create(contract.path("seq-"), data: [], mode: .ephemeralSequential)
            _ = try await owner.create(persistent, data: [], mode: .persistent)
            let deletion = WatchSignal()
            #expect(try await observer.get(ephemeral, watch: deletion).stat.ephemeralOwner == owner.sessionID)
            let ownWatch = WatchSignal()
            _ = try await owner.get(persistent, watch: ownWatch)
            let states = owner.sessionStates()

            await owner.close()

            // No waiting: the server ended the session before close() returned.
            #expect(try await observer.exists(ephemeral) == nil)
            #expect(try await observer.exists(sequential) == nil)
            #expect(try await observer.children(contract.root) == ["kept"])
            #expect(try await event(of: deletion) == WatchEvent(.deleted, path: ephemeral))
            #expect(failure(of: ownWatch)?.code == .closed)
            #expect(owner.sessionState == .closed)
            var seen: [SessionState] = []
            for await state in states { seen.append(state) }
            #expect(seen == [.connected, .closed])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aClosedSessionRefusesEveryCallWithClosed(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, store in
            let path = contract.path("n")
            _ = try await store.create(path, data: [], mode: .persistent)
            await store.close()
            await store.close()
            #expect(store.sessionState == .closed)

            let signal = WatchSignal()
            await expectError(.closed, path: path + "/x") { try await store.create(path + "/x", data: [], mode: .persistent) }
            await expectError(.closed, path: path) { try await store.get(path, watch: signal) }
            await expectError(.closed, path: path) { try await store.set(path, data: [], version: nil) }
            await expectError(.closed, path: path) { try await store.delete(path, version: nil) }
            await expectError(.closed, path: path) { try await store.exists(path, watch: signal) }
            await expectError(.closed, path: path) { try await store.children(path, watch: signal) }
            await expectError(.closed, path: path) { try await store.sync(path) }
            // A transaction refused as a whole names its first operation's path, but no index.
            let inTransaction = await expectError(.closed, path: path) {
                try await store.multi([.check(path, version: 0)])
            }
            #expect(inTransaction?.failedOperation == nil)
            await expectError(.closed, path: nil) { try await store.multi([]) }
            #expect(signal.outcome == nil)

            var late: [SessionState] = []
            for await state in store.sessionStates() { late.append(state) }
            #expect(late == [.closed])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func anExpiredSessionLosesItsEphemeralsWatchesAndCalls(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, observer in
            let doomed = try await contract.session()
            let ephemeral = contract.path("eph")
            let persistent = contract.path("kept")
            _ = try await doomed.create(ephemeral, data: [], mode: .ephemeral)
            _ = try await doomed.create(persistent, data: [], mode: .persistent)
            let deletion = WatchSignal()
            _ = try await observer.get(ephemeral, watch: deletion)
            let ownWatch = WatchSignal()
            _ = try await doomed.get(persistent, watch: ownWatch)
            // On a node the expiry itself leaves alone: a watch on the root's children could see
            // the ephemeral go, through the reconnection a session takeover may cause, before the
            // session ends, which is ZooKeeper being right and this test being wrong.
            let ownChildWatch = WatchSignal()
            _ = try await doomed.children(persistent, watch: ownChildWatch)
            var states = doomed.sessionStates().makeAsyncIterator()
            #expect(await states.next() == .connected)

            try await contract.expire(doomed)

            let seen = await waitForState(.expired, of: doomed)
            #expect(seen.last == .expired, "\(seen)")
            #expect(doomed.sessionState == .expired)
            #expect(try await observer.exists(ephemeral) == nil)
            #expect(try await observer.children(contract.root) == ["kept"])
            #expect(try await event(of: deletion) == WatchEvent(.deleted, path: ephemeral))
            for signal in [ownWatch, ownChildWatch] {
                await expectError(.sessionExpired, path: nil) { try await signal.wait(timeout: Contract.patience) }
            }
            await expectError(.sessionExpired, path: persistent) { try await doomed.get(persistent) }
            await expectError(.sessionExpired, path: persistent) { try await doomed.set(persistent, data: [1]) }
            await expectError(.sessionExpired, path: ephemeral) {
                try await doomed.create(ephemeral, data: [], mode: .ephemeral)
            }
            // The other session carries on.
            #expect(observer.sessionState == .connected)
            _ = try await observer.set(persistent, data: [2])

            var late: [SessionState] = []
            for await state in doomed.sessionStates() { late.append(state) }
            #expect(late == [.expired])
            // The stream subscribed before the expiry ends with it (it may pass through
            // `suspended`, `connecting` or `connected` on the way, as the client reconnects).
            var rest: [SessionState] = []
            while let state = await states.next() { rest.append(state) }
            #expect(rest.last == .expired, "\(rest)")
        }
    }

    /// Closing after expiry keeps the session expired: `closed` is only for a session closed alive.
    @Test(arguments: StoreKind.allCases)
    func closingAnExpiredSessionLeavesItExpired(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, _ in
            let doomed = try await contract.session()
            try await contract.expire(doomed)
            #expect(await waitForState(.expired, of: doomed).last == .expired)
            await doomed.close()
            #expect(doomed.sessionState == .expired)
            await expectError(.sessionExpired, path: contract.root) { try await doomed.exists(contract.root) }
        }
    }
}
