/// One client session of an `InMemoryCoordination` server: the in-memory `CoordinationStore`.
///
/// The calls are `async` only to match the protocol: none suspends inside, so each takes effect, and
/// fires the watches it triggers, before it returns, and a sequence of calls gives the same answers
/// on every run. Arguments are checked before the session's state, as a ZooKeeper client checks
/// them before sending anything.
public final class InMemorySession: CoordinationStore {
    public let server: InMemoryCoordination
    public let sessionID: Int64
    public let sessionTimeout: Duration

    init(server: InMemoryCoordination, sessionID: Int64, sessionTimeout: Duration) {
        self.server = server
        self.sessionID = sessionID
        self.sessionTimeout = sessionTimeout
    }

    public var sessionState: SessionState {
        // The server never forgets a session it gave out; the fallback is only for the type checker.
        server.sessionRecord(sessionID)?.state ?? .closed
    }

    public func sessionStates() -> AsyncStream<SessionState> {
        server.sessionStates(of: sessionID)
    }

    public func create(_ path: String, data: [UInt8], mode: CreateMode) async throws(CoordinationError) -> String {
        try PathRules.validate(path)
        try PathRules.validate(data: data, for: path)
        return try server.write(sessionID: sessionID, path: path) { (tree, context, changes) throws(CoordinationError) in
            try tree.create(path, data: data, mode: mode, in: context, changes: &changes)
        }
    }

    public func get(_ path: String, watch: WatchSignal?) async throws(CoordinationError) -> NodeData {
        try PathRules.validate(path)
        return try server.read(sessionID: sessionID, path: path) { (tree, watches) throws(CoordinationError) in
            guard let node = tree[path] else {
                throw CoordinationError(.noNode, path: path)
            }
            if let watch {
                watches.arm(watch, kind: .data, path: path, sessionID: sessionID)
            }
            return node.nodeData
        }
    }

    public func set(_ path: String, data: [UInt8], version: Int32?) async throws(CoordinationError) -> Stat {
        try PathRules.validate(path)
        try PathRules.validate(data: data, for: path)
        return try server.write(sessionID: sessionID, path: path) { (tree, context, changes) throws(CoordinationError) in
            try tree.setData(path, data: data, version: version, in: context, changes: &changes)
        }
    }

    public func delete(_ path: String, version: Int32?) async throws(CoordinationError) {
        try PathRules.validate(path)
        try server.write(sessionID: sessionID, path: path) { (tree, context, changes) throws(CoordinationError) in
            try tree.delete(path, version: version, in: context, changes: &changes)
        }
    }

    public func exists(_ path: String, watch: WatchSignal?) async throws(CoordinationError) -> Stat? {
        try PathRules.validate(path)
        return try server.read(sessionID: sessionID, path: path) { (tree, watches) throws(CoordinationError) in
            let node = tree[path]
            if let watch {
                watches.arm(watch, kind: node == nil ? .exist : .data, path: path, sessionID: sessionID)
            }
            return node?.stat
        }
    }

    public func children(_ path: String, watch: WatchSignal?) async throws(CoordinationError) -> [String] {
        try PathRules.validate(path)
        return try server.read(sessionID: sessionID, path: path) { (tree, watches) throws(CoordinationError) in
            guard let node = tree[path] else {
                throw CoordinationError(.noNode, path: path)
            }
            if let watch {
                watches.arm(watch, kind: .child, path: path, sessionID: sessionID)
            }
            return node.children.sorted()
        }
    }

    /// One server, so every write is already visible; like ZooKeeper's, a sync of a path that does
    /// not exist succeeds.
    public func sync(_ path: String) async throws(CoordinationError) {
        try PathRules.validate(path)
        try server.read(sessionID: sessionID, path: path) { _, _ in }
    }

    /// Applies the operations in order to a copy of the tree, each seeing the ones before it, and
    /// keeps the copy only if all succeed. The whole transaction is one zxid (a failed one too), and
    /// its watches fire after it commits.
    public func multi(_ operations: [Operation]) async throws(CoordinationError) -> [OperationResult] {
        try PathRules.validate(operations: operations)
        return try server.write(sessionID: sessionID, path: operations.first?.path) { (tree, context, changes) throws(CoordinationError) in
            var scratch = tree
            var scratchChanges: [TreeChange] = []
            var results: [OperationResult] = []
            results.reserveCapacity(operations.count)
            for (index, operation) in operations.enumerated() {
                do throws(CoordinationError) {
                    results.append(try scratch.apply(operation, in: context, changes: &scratchChanges))
                } catch {
                    throw Self.failure(error, at: index)
                }
            }
            tree = scratch
            changes = scratchChanges
            return results
        }
    }

    /// Ends the session. Connected, it tells the server, which deletes its ephemerals at once;
    /// disconnected (suspended), it cannot, and the ephemerals stay until the server expires the
    /// session, as with a real ZooKeeper. Either way its watches fail with `closed`.
    public func close() async {
        server.close(sessionID: sessionID)
    }

    private static func failure(_ error: CoordinationError, at index: Int) -> CoordinationError {
        var error = error
        error.failedOperation = index
        return error
    }
}
