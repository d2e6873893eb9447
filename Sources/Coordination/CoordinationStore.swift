/// The coordination operations the node daemon needs: ZooKeeper's data model, one session per store.
///
/// Two implementations: `ZooKeeperClient` (the ZooKeeper module, a real server) and
/// `InMemoryCoordination` (deterministic, for the decision core's tests and the simulator). Both
/// pass the same contract suite, which is what lets the second stand in for the first.
///
/// Every call is bounded by the store's call timeout and throws only `CoordinationError`.
/// Paths are absolute ("/a/b"); data is bytes (PVC writes UTF-8 text).
public protocol CoordinationStore: AnyObject, Sendable {
    /// The session's state now.
    var sessionState: SessionState { get }

    /// The current state at once, then every change; finishes after a terminal state.
    func sessionStates() -> AsyncStream<SessionState>

    /// The session id the server gave (0 before the first connection).
    var sessionID: Int64 { get }

    /// The session timeout the server agreed to.
    var sessionTimeout: Duration { get }

    /// Creates a node and returns its actual path (sequential modes append the sequence number).
    /// Parents must exist; see `create(_:data:mode:makeParents:)` for the variant that makes them.
    func create(_ path: String, data: [UInt8], mode: CreateMode) async throws -> String

    /// Reads a node's data and metadata; arms `watch` (data changed, deleted) when given and the node exists.
    func get(_ path: String, watch: WatchSignal?) async throws -> NodeData

    /// Replaces a node's data if its version is `version` (any version when nil).
    func set(_ path: String, data: [UInt8], version: Int32?) async throws -> Stat

    /// Deletes a childless node if its version is `version` (any version when nil).
    func delete(_ path: String, version: Int32?) async throws

    /// The node's metadata, or nil when it does not exist; arms `watch` either way
    /// (created, data changed, deleted).
    func exists(_ path: String, watch: WatchSignal?) async throws -> Stat?

    /// The node's children's names, sorted; arms `watch` (children changed, deleted) when the node exists.
    func children(_ path: String, watch: WatchSignal?) async throws -> [String]

    /// Waits until the server this session talks to has seen every write committed before the call.
    func sync(_ path: String) async throws

    /// Applies every operation or none. On failure throws the failing operation's error, with its
    /// index in `failedOperation`.
    func multi(_ operations: [Operation]) async throws -> [OperationResult]

    /// Ends the session: in-flight calls complete or fail, watches fail with `closed`, and the
    /// session's ephemerals go at once, unless the server cannot be reached, in which case they go
    /// when the server expires the session.
    func close() async
}
