import Coordination

/// A defined VM: its UUID (the item under `/domains`) and its name (the item root's value).
public struct VMIdentity: Sendable, Equatable, CustomStringConvertible {
    public let uuid: String
    public let name: String

    public init(uuid: String, name: String) {
        self.uuid = uuid
        self.name = name
    }

    /// `"web1" (6f0c…)`: how errors and messages name a VM.
    public var description: String { "'\(name)' (\(uuid))" }
}

extension ClusterClient {
    /// Finds a VM by UUID or by name, as PVC's `getDomainUUID` accepts both: a child of
    /// `/domains` with that name is the UUID; otherwise the VM whose root value is the name.
    public func resolveVM(_ nameOrUUID: String) async throws -> VMIdentity {
        let domains = try path("base.domain")
        let uuids = try await store.items(domains)
        if uuids.contains(nameOrUUID) {
            let name = try await store.text(try path("domain", nameOrUUID)) ?? ""
            return VMIdentity(uuid: nameOrUUID, name: name)
        }
        if let match = try await definedVMs().first(where: { $0.name == nameOrUUID }) {
            return match
        }
        throw ClusterClientError.noSuchVM(nameOrUUID)
    }

    /// Every VM under `/domains` with its name, sorted by name then UUID.
    public func definedVMs() async throws -> [VMIdentity] {
        let uuids = try await store.items(try path("base.domain"))
        var roots: [String: String] = [:]
        for uuid in uuids { roots[uuid] = try path("domain", uuid) }
        let names = try await store.texts(Array(roots.values))
        return uuids.compactMap { uuid in
            // A VM deleted while we listed has no root any more: not a VM.
            roots[uuid].flatMap { names[$0] }.map { VMIdentity(uuid: uuid, name: $0) }
        }.sorted { ($0.name, $0.uuid) < ($1.name, $1.uuid) }
    }

    /// The node exists under `/nodes` (PVC's `verifyNode`).
    func requireNode(_ node: String) async throws {
        let nodePath: String
        do {
            nodePath = try schema.path("node", item: node)
        } catch {
            throw ClusterClientError.noSuchNode(node)
        }
        guard !node.isEmpty, !PathRules.isLockContender(node), try await store.exists(nodePath) != nil else {
            throw ClusterClientError.noSuchNode(node)
        }
    }
}
