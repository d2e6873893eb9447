import Coordination

/// The few tree edits applying and migrating need. None makes missing parents: every key's parent
/// is created first or already exists, so a key can never appear outside its item.
enum TreeEdits {
    /// Creates `path` with `value`; true when it was created, false when it already existed.
    @discardableResult
    static func createIfMissing(_ path: String, value: String, in store: any CoordinationStore) async throws -> Bool {
        try await createIfMissing(path, data: Array(value.utf8), in: store)
    }

    @discardableResult
    static func createIfMissing(_ path: String, data: [UInt8], in store: any CoordinationStore) async throws -> Bool {
        if try await store.exists(path) != nil { return false }
        do {
            _ = try await store.create(path, data: data, mode: .persistent)
            return true
        } catch let error as CoordinationError where error.code == .nodeExists {
            // Another node applied the same key between our check and our create.
            return false
        }
    }

    /// Moves a key with everything below it. A source that is gone is not an error (a re-run
    /// after a partial migration); an existing destination takes the source's data and children.
    static func move(_ source: String, to destination: String, in store: any CoordinationStore) async throws {
        guard source != destination else { return }
        try await copy(source, to: destination, in: store)
        try await store.deleteRecursive(source)
    }

    private static func copy(_ source: String, to destination: String, in store: any CoordinationStore) async throws {
        let node: NodeData
        do {
            node = try await store.get(source)
        } catch let error as CoordinationError where error.code == .noNode {
            return
        }
        if try await !createIfMissing(destination, data: node.data, in: store) {
            _ = try await store.set(destination, data: node.data)
        }
        for child in try await store.children(source) {
            try await copy(source + "/" + child, to: destination + "/" + child, in: store)
        }
    }
}
