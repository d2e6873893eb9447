/// Reads that tolerate what a key holds: a missing key and bytes that are not UTF-8 read as nil,
/// a missing parent lists no children. Shared by the daemon, the client and the CLI.
extension CoordinationStore {
    /// The key's text; nil when it does not exist or is not UTF-8.
    public func text(_ path: String) async throws -> String? {
        do {
            return try await get(path).text
        } catch let error as CoordinationError where error.code == .noNode {
            return nil
        }
    }

    /// Several keys read concurrently (the client pipelines them), by path; missing keys absent.
    public func texts(_ paths: [String]) async throws -> [String: String] {
        try await withThrowingTaskGroup(of: (String, String?).self) { group in
            for path in paths {
                group.addTask { (path, try await self.text(path)) }
            }
            var values: [String: String] = [:]
            for try await (path, value) in group {
                values[path] = value
            }
            return values
        }
    }

    /// The item keys under `path` (lock contender nodes left out), sorted; [] when `path` does
    /// not exist.
    public func items(_ path: String) async throws -> [String] {
        do {
            return try await children(path).filter { !PathRules.isLockContender($0) }.sorted()
        } catch let error as CoordinationError where error.code == .noNode {
            return []
        }
    }
}

extension PathRules {
    /// Kazoo's lock contender nodes (`…__lock__…`, `…__rlock__…`) live among a key's children
    /// but are not keys: walks skip them.
    public static func isLockContender(_ name: String) -> Bool {
        name.contains("__lock__") || name.contains("__rlock__")
    }
}
