import Coordination

/// A schema key that the live tree lacks.
public struct MissingKey: Sendable, Hashable, CustomStringConvertible {
    /// "base.config.fence_lock", "node.keepalive", ...
    public let key: String
    public let path: String

    public var description: String { "\(key) at \(path)" }
}

/// What `validate` found missing: base keys, and keys of the items present in the tree.
public struct ValidationReport: Sendable, Equatable {
    public let version: Int
    /// Sorted by path.
    public let missing: [MissingKey]

    public var isValid: Bool { missing.isEmpty }
    public var missingBaseKeys: [MissingKey] { missing.filter { $0.key.hasPrefix(SchemaVersion.baseGroup + ".") } }
    public var missingItemKeys: [MissingKey] { missing.filter { !$0.key.hasPrefix(SchemaVersion.baseGroup + ".") } }
}

extension SchemaVersion {
    /// Checks every base key and every key of every item found, sub-items included (PVC skips the
    /// SR-IOV and monitoring sub-items; checking them costs little and `apply` fixes them alike).
    /// The extension's keys are not asked for: a tree PVC's tools made, without them, is valid.
    public func validate(_ store: any CoordinationStore) async throws -> ValidationReport {
        var missing: [MissingKey] = []
        try await forEachKey(in: store, includingExtension: false) { key, path, _ in
            if try await store.exists(path) == nil { missing.append(MissingKey(key: key, path: path)) }
        }
        return ValidationReport(version: version, missing: missing.sorted { $0.path < $1.path })
    }

    /// Creates every missing key with its default, parents first: base keys, then the keys of every
    /// item, group by group with parents before sub-items; the extension's keys among them.
    /// Creates nothing else. Returns the paths it created.
    @discardableResult
    public func apply(to store: any CoordinationStore) async throws -> [String] {
        var created: [String] = []
        try await forEachKey(in: store, includingExtension: true) { _, path, value in
            if try await TreeEdits.createIfMissing(path, value: value, in: store) { created.append(path) }
        }
        return created
    }

    /// Visits base keys, then each item group's keys per item, in creation order. Items are listed
    /// only once their parent group's keys were visited, so `apply` finds the items under keys it
    /// just created.
    private func forEachKey(in store: any CoordinationStore, includingExtension: Bool,
                            _ visit: (_ key: String, _ path: String, _ value: String) async throws -> Void) async throws {
        let layout = includingExtension ? { extended($0) } : { groups[$0] }
        let base = layout(Self.baseGroup) ?? self.base
        for name in base.keysParentsFirst {
            guard let path = base.keys[name], !path.isEmpty else { continue }
            try await visit("\(Self.baseGroup).\(name)", path, base.defaults[name] ?? "")
        }
        for groupName in itemGroupsParentsFirst {
            guard let group = layout(groupName) else { continue }
            for instance in try await instances(of: groupName, in: store) {
                guard let root = instance.rootPath(in: self) else { continue }
                for name in group.keysParentsFirst {
                    guard let subPath = group.keys[name], !subPath.isEmpty else { continue }
                    try await visit("\(groupName).\(name)", root + subPath, group.defaults[name] ?? "")
                }
            }
        }
    }
}
