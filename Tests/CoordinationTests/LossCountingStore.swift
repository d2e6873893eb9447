import Synchronization
@testable import Coordination

/// An in-memory session seen through a wrapper that counts, per operation, the `connectionLoss`
/// errors it passes on to its caller, and lets a test wait for one.
///
/// A test that starts a call while the session is suspended waits here until that call has really
/// failed before it resumes the session, so the retry-after-reconnection path is the one exercised,
/// and afterwards checks the count to prove it.
final class LossCountingStore: CoordinationStore {
    enum Call: String, Sendable, CustomStringConvertible {
        case create, get, set, delete, exists, children, sync, multi

        var description: String { rawValue }
    }

    private struct State {
        var losses: [Call: Int] = [:]
        var calls: [Call: Int] = [:]
        var listeners: [UInt64: AsyncStream<Void>.Continuation] = [:]
        var nextListener: UInt64 = 0
    }

    let base: InMemorySession
    private let state = Mutex(State())

    init(_ base: InMemorySession) {
        self.base = base
    }

    /// How many calls of `call` failed with `connectionLoss`.
    func losses(of call: Call) -> Int {
        state.withLock { $0.losses[call, default: 0] }
    }

    /// How many calls of `call` were made, whatever their outcome.
    func calls(of call: Call) -> Int {
        state.withLock { $0.calls[call, default: 0] }
    }

    /// Waits until a call of `call` has failed with `connectionLoss`, at most `timeout` (a bound
    /// against a broken test, not a synchronisation). True once one has.
    func waitForLoss(of call: Call, timeout: Duration = .seconds(10)) async -> Bool {
        let (changes, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state -> UInt64 in
            state.nextListener += 1
            state.listeners[state.nextListener] = continuation
            return state.nextListener
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.listeners.removeValue(forKey: id) }
        }
        // Registered first, then looked at once: a loss before the call is not missed either.
        continuation.yield()
        let seen = await withDeadline(timeout) {
            for await _ in changes where self.losses(of: call) > 0 {
                return true
            }
            return false
        }
        continuation.finish()
        return seen ?? false
    }

    /// Counts the call, and the loss if it failed with one, then passes the outcome on unchanged.
    private func passing<T>(_ call: Call, _ body: () async throws -> T) async throws -> T {
        state.withLock { $0.calls[call, default: 0] += 1 }
        do {
            return try await body()
        } catch let error as CoordinationError where error.code == .connectionLoss {
            let listeners = state.withLock { state in
                state.losses[call, default: 0] += 1
                return Array(state.listeners.values)
            }
            for listener in listeners { listener.yield() }
            throw error
        }
    }

    var sessionState: SessionState { base.sessionState }
    var sessionID: Int64 { base.sessionID }
    var sessionTimeout: Duration { base.sessionTimeout }
    func sessionStates() -> AsyncStream<SessionState> { base.sessionStates() }

    func create(_ path: String, data: [UInt8], mode: CreateMode) async throws -> String {
        try await passing(.create) { try await base.create(path, data: data, mode: mode) }
    }

    func get(_ path: String, watch: WatchSignal?) async throws -> NodeData {
        try await passing(.get) { try await base.get(path, watch: watch) }
    }

    func set(_ path: String, data: [UInt8], version: Int32?) async throws -> Stat {
        try await passing(.set) { try await base.set(path, data: data, version: version) }
    }

    func delete(_ path: String, version: Int32?) async throws {
        try await passing(.delete) { try await base.delete(path, version: version) }
    }

    func exists(_ path: String, watch: WatchSignal?) async throws -> Stat? {
        try await passing(.exists) { try await base.exists(path, watch: watch) }
    }

    func children(_ path: String, watch: WatchSignal?) async throws -> [String] {
        try await passing(.children) { try await base.children(path, watch: watch) }
    }

    func sync(_ path: String) async throws {
        try await passing(.sync) { try await base.sync(path) }
    }

    func multi(_ operations: [Operation]) async throws -> [OperationResult] {
        try await passing(.multi) { try await base.multi(operations) }
    }

    func close() async { await base.close() }
}
