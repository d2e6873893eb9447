import Coordination
import Foundation

/// Reads that tolerate whatever a key holds: missing keys and bytes that are not UTF-8 read as nil.
enum TreeReading {
    /// The key's text; nil when it does not exist or is not UTF-8.
    static func text(_ path: String, in store: any CoordinationStore) async throws -> String? {
        do {
            return try await store.get(path).text
        } catch let error as CoordinationError where error.code == .noNode {
            return nil
        }
    }

    /// Several keys read concurrently (the client pipelines them), by path.
    static func texts(_ paths: [String], in store: any CoordinationStore) async throws -> [String: String] {
        try await withThrowingTaskGroup(of: (String, String?).self) { group in
            for path in paths {
                group.addTask { (path, try await text(path, in: store)) }
            }
            var values: [String: String] = [:]
            for try await (path, value) in group {
                values[path] = value
            }
            return values
        }
    }

    /// Children's names, or [] when the node does not exist.
    static func children(_ path: String, in store: any CoordinationStore) async throws -> [String] {
        do {
            return try await store.children(path)
        } catch let error as CoordinationError where error.code == .noNode {
            return []
        }
    }

    /// Lock contender nodes (Kazoo's naming) are not keys: walks skip them.
    static func isLockContender(_ name: String) -> Bool {
        name.contains("__lock__") || name.contains("__rlock__")
    }

    /// An integer, tolerating surrounding whitespace and a fractional part ("1700000000.5").
    static func integer(_ text: String?) -> Int? {
        guard let trimmed = text?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else {
            return nil
        }
        if let value = Int(trimmed) { return value }
        guard let value = Double(trimmed), value.isFinite, abs(value) < 1e15 else { return nil }
        return Int(value.rounded(.down))
    }

    static func number(_ text: String?) -> Double? {
        guard let trimmed = text?.trimmingCharacters(in: .whitespacesAndNewlines),
              let value = Double(trimmed), value.isFinite else { return nil }
        return value
    }
}
