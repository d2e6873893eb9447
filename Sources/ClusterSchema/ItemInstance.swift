import Coordination

/// One item of a live tree, named by the chain of parent keys and item names that leads to it,
/// not by its path: the same item then has a path in every version, which is what lets a
/// migration move an item's keys even when a parent key moved too.
public struct ItemInstance: Sendable, Hashable {
    public struct Step: Sendable, Hashable {
        /// "base.node", "node.sriov.vf", ...
        public let parentKey: String
        public let group: String
        public let item: String
    }

    public let group: String
    public let steps: [Step]

    /// The item root's path when each key sits at `layout(group, key)`; nil when a parent key does
    /// not exist in that layout.
    func rootPath(layout: (String, String) -> String?) -> String? {
        var current = ""
        for step in steps {
            guard let dot = step.parentKey.firstIndex(of: ".") else { return nil }
            let parentGroup = String(step.parentKey[..<dot])
            let parentKey = String(step.parentKey[step.parentKey.index(after: dot)...])
            guard let subPath = layout(parentGroup, parentKey) else { return nil }
            current = (parentGroup == SchemaVersion.baseGroup ? subPath : current + subPath) + "/" + step.item
        }
        return current
    }

    /// The item root's path in `schema`.
    public func rootPath(in schema: SchemaVersion) -> String? {
        rootPath { group, key in schema.groups[group]?.keys[key] }
    }
}

extension SchemaVersion {
    /// Every item of `group` present in the tree, found by walking the group's parent keys.
    public func instances(of group: String, in store: any CoordinationStore) async throws -> [ItemInstance] {
        guard let spec = groups[group], group != Self.baseGroup else { throw SchemaError.unknownGroup(group) }
        var found: [ItemInstance] = []
        for parentKey in spec.under {
            let (parentGroup, parentName) = try split(parentKey)
            let subPath = groups[parentGroup]?.keys[parentName] ?? ""
            var parents: [(chain: [ItemInstance.Step], path: String)] = []
            if parentGroup == Self.baseGroup {
                parents = [([], subPath)]
            } else {
                for parent in try await instances(of: parentGroup, in: store) {
                    if let root = parent.rootPath(in: self) { parents.append((parent.steps, root + subPath)) }
                }
            }
            for (chain, path) in parents {
                for item in try await Self.descendants(of: path, depth: spec.depth, in: store) {
                    let step = ItemInstance.Step(parentKey: parentKey, group: group, item: item)
                    found.append(ItemInstance(group: group, steps: chain + [step]))
                }
            }
        }
        return found
    }

    /// Names `depth` levels below `path`, joined with "/" (a volume is "pool/volume").
    private static func descendants(of path: String, depth: Int, in store: any CoordinationStore) async throws -> [String] {
        let names: [String]
        do {
            names = try await store.children(path)
        } catch let error as CoordinationError where error.code == .noNode {
            return []
        }
        guard depth > 1 else { return names }
        var result: [String] = []
        for name in names {
            for rest in try await descendants(of: path + "/" + name, depth: depth - 1, in: store) {
                result.append(name + "/" + rest)
            }
        }
        return result
    }
}
