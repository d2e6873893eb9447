import Coordination

/// PVC's `ZKHandler.write`: every pair in one multi, `create` for a key that does not exist yet,
/// `set_data` + `check(version + 1)` for one that does. The check makes the batch fail, whole,
/// if anyone else wrote a key between our read of its version and the multi.
enum KeyWrites {
    static func write(_ pairs: [KeyValue], in store: any CoordinationStore) async throws {
        var operations: [Operation] = []
        for pair in pairs {
            let (path, data) = (pair.path, Array(pair.value.utf8))
            if let stat = try await store.exists(path) {
                operations.append(.set(path, data: data, version: nil))
                operations.append(.check(path, version: stat.version &+ 1))
            } else {
                operations.append(.create(path, data: data, mode: .persistent))
            }
        }
        try await commit(operations, in: store)
    }

    /// Creates every key in one multi (parents listed before children): all of them or none.
    static func create(_ pairs: [KeyValue], in store: any CoordinationStore) async throws {
        try await commit(pairs.map { .create($0.path, data: Array($0.value.utf8), mode: .persistent) }, in: store)
    }

    private static func commit(_ operations: [Operation], in store: any CoordinationStore) async throws {
        do {
            _ = try await store.multi(operations)
        } catch let error as CoordinationError
                    where error.code == .badVersion || error.code == .nodeExists || error.code == .noNode {
            let path = error.failedOperation.flatMap { operations.indices.contains($0) ? operations[$0].path : nil }
                ?? error.path ?? operations.first?.path ?? "/"
            if error.code == .noNode, case .create? = operations.first(where: { $0.path == path }) {
                // A create whose parent is missing: the tree is not there, not a race.
                throw ClusterClientError.missingKey(PathRules.parent(of: path) ?? path)
            }
            throw ClusterClientError.concurrentChange(path: path)
        }
    }
}
