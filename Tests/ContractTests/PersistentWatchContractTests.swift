import Coordination
import Synchronization
import Testing

/// `watchData` and `watchChildren` over each store. Each step makes one change and waits for the
/// value it must produce before the next, so that nothing may be coalesced; when the stream ends,
/// the whole sequence it gave is compared, so a duplicated or extra value fails too.
@Suite(.timeLimit(.minutes(2)))
struct PersistentWatchContractTests {
    @Test(arguments: StoreKind.allCases)
    func watchDataFollowsCreationChangesDeletionAndRecreation(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, writer in
            let watcher = try await contract.session()
            let path = contract.path("config/primary")
            let values = Recorder(watcher.watchData(path))
            #expect(try await values.next() == nil)

            _ = try await writer.create(path, data: bytes("hv1"), mode: .persistent, makeParents: true)
            let created = try #require(try await values.next())
            #expect(created.text == "hv1")
            #expect(created.stat.version == 0)

            let changed = try await writer.set(path, data: bytes("hv2"), version: nil)
            let second = try #require(try await values.next())
            #expect(second == NodeData(data: bytes("hv2"), stat: changed))

            // The same bytes again is still a change: the version moved.
            _ = try await writer.set(path, data: bytes("hv2"), version: nil)
            #expect(try await values.next()?.stat.version == 2)

            try await writer.delete(path)
            #expect(try await values.next() == nil)

            _ = try await writer.create(path, data: bytes("none"), mode: .persistent)
            let recreated = try #require(try await values.next())
            #expect(recreated.text == "none")
            #expect(recreated.stat.version == 0)
            #expect(recreated.stat.czxid > created.stat.czxid)

            await watcher.close()
            #expect(await values.finished())
            #expect(values.all.map { $0?.text } == [nil, "hv1", "hv2", "hv2", nil, "none"])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func watchDataStartsWithTheCurrentValueAndEndsWithTheSessionsExpiry(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, watcher in
            let path = contract.path("n")
            _ = try await watcher.create(path, data: bytes("x"), mode: .persistent)
            let values = Recorder(watcher.watchData(path))
            #expect(try await values.next()?.text == "x")

            try await contract.expire(watcher)
            #expect(await values.finished())
            #expect(values.all.map { $0?.text } == ["x"])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func watchChildrenFollowsTheNodeAndItsChildren(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, writer in
            let watcher = try await contract.session()
            let parent = contract.path("nodes")
            let values = Recorder(watcher.watchChildren(parent))
            #expect(try await values.next() == nil)

            _ = try await writer.create(parent, data: [], mode: .persistent)
            #expect(try await values.next() == [])
            _ = try await writer.create(parent + "/hv2", data: [], mode: .ephemeral)
            #expect(try await values.next() == ["hv2"])
            _ = try await writer.create(parent + "/hv1", data: [], mode: .persistent)
            #expect(try await values.next() == ["hv1", "hv2"])
            // A child's data and the node's own data are not its children: no value for those.
            _ = try await writer.set(parent + "/hv1", data: [1])
            _ = try await writer.set(parent, data: [1])
            try await writer.delete(parent + "/hv2")
            #expect(try await values.next() == ["hv1"])
            try await writer.delete(parent + "/hv1")
            #expect(try await values.next() == [])
            try await writer.delete(parent)
            #expect(try await values.next() == nil)
            _ = try await writer.create(parent, data: [], mode: .persistent)
            #expect(try await values.next() == [])

            await watcher.close()
            #expect(await values.finished())
            #expect(values.all == [nil, [], ["hv2"], ["hv1", "hv2"], ["hv1"], [], nil, []])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aPersistentWatchOnABadPathFinishesAtOnce(_ kind: StoreKind) async throws {
        try await withContract(kind) { _, store in
            let data = Recorder(store.watchData("no-slash"))
            let children = Recorder(store.watchChildren("/trailing/"))
            #expect(await data.finished())
            #expect(await children.finished())
            #expect(data.all.isEmpty && children.all.isEmpty)
        }
    }
}

/// Reads a stream in a task of its own, keeping every value, so that the test can wait for the
/// next one or for the end with a bound (an iterator cannot be handed to a racing task).
private final class Recorder<Value: Sendable>: Sendable {
    private struct State {
        var values: [Value] = []
        var finished = false
        var taken = 0
    }

    private let state = Mutex(State())
    private let reader = Mutex<Task<Void, Never>?>(nil)

    init(_ stream: AsyncStream<Value>) {
        let task = Task { [state = WeakRecorder(self)] in
            for await value in stream {
                state.recorder?.append(value)
            }
            state.recorder?.finish()
        }
        reader.withLock { $0 = task }
    }

    deinit {
        reader.withLock { $0?.cancel() }
    }

    var all: [Value] {
        state.withLock { $0.values }
    }

    /// The next value not yet taken; throws if the stream ends or nothing comes in time.
    func next(timeout: Duration = Contract.patience) async throws -> Value {
        var value: Value?
        let arrived = await eventually(timeout: timeout) {
            state.withLock { state in
                guard state.taken < state.values.count else { return state.finished }
                value = state.values[state.taken]
                state.taken += 1
                return true
            }
        }
        guard arrived, let value else {
            throw RecorderError(description: "no value after \(all) (finished: \(state.withLock { $0.finished }))")
        }
        return value
    }

    /// Whether the stream finished within `timeout`.
    func finished(timeout: Duration = Contract.patience) async -> Bool {
        await eventually(timeout: timeout) {
            state.withLock { $0.finished }
        }
    }

    fileprivate func append(_ value: Value) {
        state.withLock { $0.values.append(value) }
    }

    fileprivate func finish() {
        state.withLock { $0.finished = true }
    }
}

/// A weak reference the reader task holds, so that a dropped recorder stops its task.
private struct WeakRecorder<Value: Sendable>: Sendable {
    weak var recorder: Recorder<Value>?
    init(_ recorder: Recorder<Value>) { self.recorder = recorder }
}

private struct RecorderError: Error, CustomStringConvertible {
    let description: String
}
