extension CoordinationStore {
    public func get(_ path: String) async throws -> NodeData {
        try await get(path, watch: nil)
    }

    public func exists(_ path: String) async throws -> Stat? {
        try await exists(path, watch: nil)
    }

    public func children(_ path: String) async throws -> [String] {
        try await children(path, watch: nil)
    }

    public func set(_ path: String, data: [UInt8]) async throws -> Stat {
        try await set(path, data: data, version: nil)
    }

    public func delete(_ path: String) async throws {
        try await delete(path, version: nil)
    }

    /// Creates a node, first creating any missing parent as an empty persistent node.
    /// A parent created concurrently by someone else is fine.
    public func create(_ path: String, data: [UInt8] = [], mode: CreateMode = .persistent,
                       makeParents: Bool) async throws -> String {
        do {
            return try await create(path, data: data, mode: mode)
        } catch let error as CoordinationError where error.code == .noNode && makeParents {
            try PathRules.validate(path)
            if let parent = PathRules.parent(of: path) {
                try await ensurePath(parent)
            }
            return try await create(path, data: data, mode: mode)
        }
    }

    /// Makes sure `path` and its ancestors exist, creating missing ones empty and persistent.
    public func ensurePath(_ path: String) async throws {
        try PathRules.validate(path)
        if path == "/" { return }
        if try await exists(path) != nil { return }
        if let parent = PathRules.parent(of: path) {
            try await ensurePath(parent)
        }
        do {
            _ = try await create(path, data: [], mode: .persistent)
        } catch let error as CoordinationError where error.code == .nodeExists {
            // Someone else made it between our check and our create: that is what we wanted.
        }
    }

    /// Deletes a node and everything below it, children first. Not atomic: a child created while
    /// this runs makes the parent's delete fail with `notEmpty`, and the call tries again, up to
    /// `attempts` times. A node that is already gone is not an error.
    public func deleteRecursive(_ path: String, attempts: Int = 5) async throws {
        try PathRules.validate(path)
        var attempt = 0
        while true {
            attempt += 1
            let names: [String]
            do {
                names = try await children(path)
            } catch let error as CoordinationError where error.code == .noNode {
                return
            }
            for name in names {
                try await deleteRecursive(PathRules.join(path, name), attempts: attempts)
            }
            if path == "/" { return }
            do {
                try await delete(path, version: nil)
                return
            } catch let error as CoordinationError where error.code == .noNode {
                return
            } catch let error as CoordinationError where error.code == .notEmpty && attempt < attempts {
                continue
            }
        }
    }
}
