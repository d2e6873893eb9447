import Coordination
import Testing

/// One-shot watches: which call arms which events, that they fire once, across sessions, and that
/// a call that fails arms nothing.
///
/// A watch fired by another session's write reaches the watcher some time after the write returns,
/// so those are awaited (`event(of:)`). Within one session ZooKeeper orders watch events before
/// the replies that follow them, so a watch fired by the session's own write, or not fired at all,
/// can be checked right after the session's next reply.
@Suite(.timeLimit(.minutes(2)))
struct WatchContractTests {
    @Test(arguments: StoreKind.allCases)
    func getWatchFiresDataChangedWhenAnotherSessionSets(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, watcher in
            let writer = try await contract.session()
            let path = contract.path("n")
            _ = try await writer.create(path, data: [], mode: .persistent)
            let signal = WatchSignal()
            _ = try await watcher.get(path, watch: signal)
            #expect(signal.outcome == nil)

            _ = try await writer.set(path, data: [1], version: nil)
            #expect(try await event(of: signal) == WatchEvent(.dataChanged, path: path))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func getWatchFiresDeletedOnDelete(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, watcher in
            let writer = try await contract.session()
            let path = contract.path("n")
            _ = try await writer.create(path, data: [], mode: .persistent)
            let signal = WatchSignal()
            _ = try await watcher.get(path, watch: signal)
            try await writer.delete(path, version: nil)
            #expect(try await event(of: signal) == WatchEvent(.deleted, path: path))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func existsWatchFiresCreatedForAMissingNodeAndDataChangedForAPresentOne(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, watcher in
            let writer = try await contract.session()
            let path = contract.path("n")
            let creation = WatchSignal()
            #expect(try await watcher.exists(path, watch: creation) == nil)
            _ = try await writer.create(path, data: [], mode: .persistent)
            #expect(try await event(of: creation) == WatchEvent(.created, path: path))

            let change = WatchSignal()
            #expect(try await watcher.exists(path, watch: change) != nil)
            _ = try await writer.set(path, data: [2], version: nil)
            #expect(try await event(of: change) == WatchEvent(.dataChanged, path: path))

            let deletion = WatchSignal()
            #expect(try await watcher.exists(path, watch: deletion) != nil)
            try await writer.delete(path, version: nil)
            #expect(try await event(of: deletion) == WatchEvent(.deleted, path: path))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func childrenWatchFiresOnAChildCreateAndOnAChildDelete(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, watcher in
            let writer = try await contract.session()
            let parent = contract.path("parent")
            _ = try await writer.create(parent, data: [], mode: .persistent)

            let onCreate = WatchSignal()
            #expect(try await watcher.children(parent, watch: onCreate) == [])
            _ = try await writer.create(parent + "/child", data: [], mode: .ephemeral)
            #expect(try await event(of: onCreate) == WatchEvent(.childrenChanged, path: parent))

            let onDelete = WatchSignal()
            #expect(try await watcher.children(parent, watch: onDelete) == ["child"])
            // A child's data is not the parent's children: no event for it.
            _ = try await writer.set(parent + "/child", data: [1], version: nil)
            try await writer.sync(parent)
            try await watcher.sync(parent)
            #expect(onDelete.outcome == nil)
            try await writer.delete(parent + "/child", version: nil)
            #expect(try await event(of: onDelete) == WatchEvent(.childrenChanged, path: parent))

            // Nor is the parent's own data.
            let onParent = WatchSignal()
            #expect(try await watcher.children(parent, watch: onParent) == [])
            _ = try await writer.set(parent, data: [1], version: nil)
            try await watcher.sync(parent)
            #expect(onParent.outcome == nil)
            // The node's own deletion ends a children watch with `deleted`.
            try await writer.delete(parent, version: nil)
            #expect(try await event(of: onParent) == WatchEvent(.deleted, path: parent))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aWatchFiresOnceAndIsNotReArmed(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, watcher in
            let writer = try await contract.session()
            let path = contract.path("n")
            _ = try await writer.create(path, data: [], mode: .persistent)
            let first = WatchSignal()
            _ = try await watcher.get(path, watch: first)

            // Two changes before the watcher looks: one event, for the first.
            _ = try await writer.set(path, data: [1], version: nil)
            _ = try await writer.set(path, data: [2], version: nil)
            #expect(try await event(of: first) == WatchEvent(.dataChanged, path: path))

            // A watch armed after those changes hears nothing of them...
            let second = WatchSignal()
            #expect(try await watcher.get(path, watch: second).data == [2])
            try await watcher.sync(path)
            #expect(second.outcome == nil)
            // ...and only the next one, while the first, already fired, stays as it was.
            try await writer.delete(path, version: nil)
            #expect(try await event(of: second) == WatchEvent(.deleted, path: path))
            try await watcher.sync(contract.root)
            #expect(first.outcome == .success(WatchEvent(.dataChanged, path: path)))
        }
    }

    /// ZooKeeper delivers a session's watch event before the reply to the call that follows it:
    /// after the session's own write returns, its watch has fired.
    @Test(arguments: StoreKind.allCases)
    func aSessionsOwnWriteFiresItsWatchBeforeTheWriteReturns(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, store in
            let path = contract.path("n")
            let creation = WatchSignal()
            let children = WatchSignal()
            #expect(try await store.exists(path, watch: creation) == nil)
            #expect(try await store.children(contract.root, watch: children) == [])
            _ = try await store.create(path, data: [], mode: .persistent)
            #expect(creation.outcome == .success(WatchEvent(.created, path: path)))
            #expect(children.outcome == .success(WatchEvent(.childrenChanged, path: contract.root)))

            let change = WatchSignal()
            _ = try await store.get(path, watch: change)
            _ = try await store.set(path, data: [1], version: 0)
            #expect(change.outcome == .success(WatchEvent(.dataChanged, path: path)))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aCallThatFailsArmsNoWatch(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, watcher in
            let writer = try await contract.session()
            let path = contract.path("n")
            let onGet = WatchSignal()
            let onChildren = WatchSignal()
            await expectError(.noNode, path: path) { try await watcher.get(path, watch: onGet) }
            await expectError(.noNode, path: path) { try await watcher.children(path, watch: onChildren) }

            _ = try await writer.create(path, data: [], mode: .persistent)
            _ = try await writer.create(path + "/child", data: [], mode: .persistent)
            _ = try await writer.set(path, data: [1], version: nil)
            try await writer.delete(path + "/child", version: nil)
            try await writer.delete(path, version: nil)
            // Had either armed a watch, its event would come before this reply.
            try await watcher.sync(path)
            #expect(onGet.outcome == nil)
            #expect(onChildren.outcome == nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func oneSignalOnTwoNodesKeepsTheFirstEvent(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, watcher in
            let writer = try await contract.session()
            let first = contract.path("first")
            let second = contract.path("second")
            _ = try await writer.create(first, data: [], mode: .persistent)
            _ = try await writer.create(second, data: [], mode: .persistent)
            let signal = WatchSignal()
            _ = try await watcher.get(first, watch: signal)
            _ = try await watcher.get(second, watch: signal)

            try await writer.delete(second, version: nil)
            #expect(try await event(of: signal) == WatchEvent(.deleted, path: second))
            _ = try await writer.set(first, data: [1], version: nil)
            try await watcher.sync(first)
            #expect(signal.outcome == .success(WatchEvent(.deleted, path: second)))
        }
    }
}
