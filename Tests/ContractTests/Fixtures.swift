import Coordination
import Foundation
import LocalServices
import Synchronization
import Testing
import ZooKeeper

/// The two stores the contract is checked against: a real ZooKeeper 3.8 and the in-memory store.
/// Every contract test takes one of these as its argument and must pass, unchanged, for both.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case zookeeper
    case inMemory

    var testDescription: String { rawValue }
}

/// What a contract test needs from a store beyond the protocol: more sessions on the same tree,
/// and a way to make the server expire one of them.
protocol StoreFixture: Sendable {
    /// A new, connected session on the same server (the same tree) as every other of this fixture.
    func newSession() async throws -> any CoordinationStore
    /// Makes the server expire `store`'s session, deterministically (not by waiting for a timeout).
    func expire(_ store: any CoordinationStore) async throws
}

/// Sessions on the one standalone ZooKeeper the test process shares (or PVC_TEST_ZK).
struct ZooKeeperFixture: StoreFixture {
    let hosts: String

    func newSession() async throws -> any CoordinationStore {
        var configuration = ZooKeeperClient.Configuration(hosts: hosts)
        configuration.sessionTimeout = Contract.sessionTimeout
        configuration.callTimeout = .seconds(5)
        configuration.connectTimeout = .seconds(20)
        configuration.logger.logLevel = .warning
        return try await ZooKeeperClient.connect(configuration)
    }

    /// The client repeats its session takeover until it has seen the session end; the ephemeral
    /// probe, checked from another session, confirms the server really ended it.
    func expire(_ store: any CoordinationStore) async throws {
        let client = try #require(store as? ZooKeeperClient, "not a session of this fixture")
        let probe = "/contract-expiry-probe-" + UUID().uuidString.lowercased()
        _ = try await client.create(probe, data: [], mode: .ephemeral)
        try await client.expireSessionForTesting()
        let checker = try await newSession()
        let survived = try await checker.exists(probe) != nil
        await checker.close()
        #expect(!survived, "the server did not end session \(client.sessionID)")
    }
}

/// Sessions on an in-memory server of the test's own.
struct InMemoryFixture: StoreFixture {
    let server = InMemoryCoordination()

    func newSession() async throws -> any CoordinationStore {
        server.connect(sessionTimeout: Contract.sessionTimeout)
    }

    func expire(_ store: any CoordinationStore) async throws {
        let session = try #require(store as? InMemorySession, "not a session of this fixture")
        #expect(session.server === server, "not a session of this fixture")
        server.expire(sessionID: session.sessionID)
    }
}

/// One contract test's world: a fixture, a root path of its own (so that tests can share one
/// ZooKeeper server and run in parallel), and every session it opened, to close at the end.
final class Contract: Sendable {
    static let sessionTimeout: Duration = .seconds(4)
    /// The bound on waiting for something that happens on its own (a watch delivered by another
    /// session's write, a session reported expired): generous, since a pass takes milliseconds.
    static let patience: Duration = .seconds(20)

    let kind: StoreKind
    let fixture: any StoreFixture
    /// "/contract-<UUID>": every node of the test lives under it.
    let root: String
    private let sessions = Mutex<[any CoordinationStore]>([])

    init(kind: StoreKind) async throws {
        self.kind = kind
        switch kind {
        case .zookeeper:
            fixture = ZooKeeperFixture(hosts: try await SharedTestZooKeeper.connectString())
        case .inMemory:
            fixture = InMemoryFixture()
        }
        root = "/contract-" + UUID().uuidString.lowercased()
    }

    /// A new session, closed at the end of the test.
    func session() async throws -> any CoordinationStore {
        let store = try await fixture.newSession()
        sessions.withLock { $0.append(store) }
        return store
    }

    /// `root` + "/" + `relative`.
    func path(_ relative: String) -> String {
        PathRules.join(root, relative)
    }

    func expire(_ store: any CoordinationStore) async throws {
        try await fixture.expire(store)
    }

    /// Deletes the test's tree with a session of its own (the test's may be closed or expired),
    /// then closes every session.
    fileprivate func tearDown() async {
        do {
            let cleaner = try await fixture.newSession()
            try await cleaner.deleteRecursive(root)
            await cleaner.close()
        } catch {
            Issue.record("cleaning up \(root) failed: \(error)")
        }
        let opened = sessions.withLock { $0 }
        await withTaskGroup(of: Void.self) { group in
            for store in opened {
                group.addTask { await store.close() }
            }
        }
    }
}

/// Runs a contract test: makes its root with a first session, runs `body` with both, and cleans
/// up and closes every session however the body ends (Swift has no async defer).
func withContract(_ kind: StoreKind,
                  _ body: (Contract, any CoordinationStore) async throws -> Void) async throws {
    let contract = try await Contract(kind: kind)
    do {
        let first = try await contract.session()
        _ = try await first.create(contract.root, data: [], mode: .persistent)
        try await body(contract, first)
    } catch {
        await contract.tearDown()
        throw error
    }
    await contract.tearDown()
}

// MARK: Expectations

/// Expects `body` to throw a `CoordinationError` with `code` about `path` (nil: about no path),
/// and returns it for further checks.
@discardableResult
func expectError<T>(_ code: CoordinationError.Code, path: String?,
                    sourceLocation: SourceLocation = #_sourceLocation,
                    _ body: () async throws -> T) async -> CoordinationError? {
    do {
        let value = try await body()
        Issue.record("expected \(code) at \(path ?? "no path"), got \(value)", sourceLocation: sourceLocation)
        return nil
    } catch let error as CoordinationError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        #expect(error.path == path, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected a CoordinationError (\(code)), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// The error a watch failed with, nil while armed or when it fired.
func failure(of signal: WatchSignal) -> CoordinationError? {
    if case .failure(let error) = signal.outcome { return error }
    return nil
}

/// Waits for a watch another session's write should fire; the bound only stops a broken store
/// from hanging the test.
func event(of signal: WatchSignal) async throws -> WatchEvent {
    try await signal.wait(timeout: Contract.patience)
}

/// Waits, at most `timeout`, for `store` to report `state`. Returns every state seen on the way
/// (the first is the state at the call), ending with `state` if it was reached.
func waitForState(_ state: SessionState, of store: any CoordinationStore,
                  timeout: Duration = Contract.patience) async -> [SessionState] {
    let states = store.sessionStates()
    // Kept outside the reader, so that a wait that times out still reports what it saw.
    let seen = SeenStates()
    _ = await withDeadline(timeout) {
        for await next in states {
            seen.append(next)
            if next == state { return }
        }
    }
    return seen.all
}

/// The states a `waitForState` reader has seen so far.
private final class SeenStates: Sendable {
    private let states = Mutex<[SessionState]>([])

    func append(_ state: SessionState) {
        states.withLock { $0.append(state) }
    }

    var all: [SessionState] { states.withLock { $0 } }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held. For what a test
/// cannot be told about by an event (another task's progress seen through the tree).
func eventually(timeout: Duration = Contract.patience,
                _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while true {
        if try await condition() { return true }
        if ContinuousClock.now >= deadline { return false }
        try? await Task.sleep(for: .milliseconds(5))
    }
}

func bytes(_ text: String) -> [UInt8] {
    Array(text.utf8)
}
