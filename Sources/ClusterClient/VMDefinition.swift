import ClusterSchema
import NodeCore

/// `vm.migration_method` values PVC's CLI accepts.
public enum MigrationMethod: String, Sendable, CaseIterable {
    /// Live, with a shutdown-migration as fallback (PVC's default).
    case none
    /// Live only: a failed live migration is aborted.
    case live
    /// Always shut down and cold-start on the target.
    case shutdown
}

extension ClusterClient {
    /// The domain group's keys and the values PVC's `define_vm` writes for a new VM
    /// (pvc-client-contract.md §2); `node`, `node_autostart`, `migration_method`, `node_limit`,
    /// `node_selector`, `xml` and `rbdlist` come from the request, the rest are PVC's initial values.
    static func definitionValues(xml: String, domain: DomainXML, node: String, selector: String,
                                 limit: [String], autostart: Bool, method: MigrationMethod) -> [String: String] {
        [
            "name": domain.name,
            "xml": xml,
            "state": VMState.stop.rawValue,
            "profile": "",
            "stats": "",
            "node": node,
            "last_node": "",
            "failed_reason": "",
            "storage.volumes": domain.rbdVolumes.joined(separator: ","),
            "console.log": "",
            "console.vnc": "",
            // Python's str(bool).
            "meta.autostart": autostart ? "True" : "False",
            "meta.migrate_method": method.rawValue,
            "meta.migrate_max_downtime": "300",
            "meta.node_limit": limit.joined(separator: ","),
            "meta.node_selector": selector,
            "meta.tags": "",
            "migrate.sync_lock": "",
            "snapshots": "",
        ]
    }

    /// `define_vm`: a new VM from its libvirt XML, in state `stop`, on `node` or on the node
    /// target selection picks (by `selector`, within `limit`). Refused when the XML lacks `<name>`
    /// or `<uuid>`, when a VM with that name or UUID exists, or when `node` or a node of `limit` is
    /// not in the cluster. Every key is created in one multi, so a VM exists whole or not at all.
    ///
    /// - Parameters:
    ///   - selector: `mem`, `memprov`, `load`, `vcpus`, `vms`, or nil/`none` for the cluster default.
    ///   - method: nil is PVC's `none` (live with shutdown fallback).
    public func define(xml: String, node: String? = nil, selector: String? = nil, limit: [String] = [],
                       autostart: Bool = false, method: MigrationMethod? = nil) async throws -> VMOperationResult {
        let domain = try DomainXML(parsing: xml)
        let selectorWord = selector ?? MigrationSelector.noneWord
        guard selectorWord == MigrationSelector.noneWord || MigrationSelector(rawValue: selectorWord) != nil else {
            throw ClusterClientError.invalidArgument("unknown node selector '\(selectorWord)' (one of "
                + (MigrationSelector.allCases.map(\.rawValue) + [MigrationSelector.noneWord]).joined(separator: ", ") + ")")
        }
        for limited in limit { try await requireNode(limited) }
        if let existing = try await definedVMs().first(where: { $0.uuid == domain.uuid || $0.name == domain.name }) {
            let field = existing.uuid == domain.uuid ? "UUID" : "name"
            throw ClusterClientError.alreadyDefined(field: field, value: field == "UUID" ? domain.uuid : domain.name,
                                                    existing: existing.description)
        }
        var warnings: [String] = []
        var choiceSummary: String?
        let target: String
        if let node {
            try await requireNode(node)
            target = node
        } else {
            // A new VM is on no node yet: nothing to exclude as "current".
            let choice = try await chooseTarget(vm: domain.name, currentNode: "", nodeLimit: limit.joined(separator: ","),
                                                vmSelector: selectorWord)
            warnings = choice.warnings
            guard let chosen = choice.target else {
                throw ClusterClientError.noTarget(vm: "'\(domain.name)' (\(domain.uuid))", summary: choice.summary)
            }
            target = chosen
            choiceSummary = choice.summary
        }
        let values = Self.definitionValues(xml: xml, domain: domain, node: target, selector: selectorWord,
                                           limit: limit, autostart: autostart, method: method ?? .none)
        let pairs = try definitionPairs(uuid: domain.uuid, values: values)
        try await KeyWrites.create(pairs, in: store)
        let identity = VMIdentity(uuid: domain.uuid, name: domain.name)
        return VMOperationResult(vm: identity, written: pairs,
                                 message: "Added new VM \(identity) on node '\(target)'.", warnings: warnings,
                                 targetChoice: choiceSummary)
    }

    /// The pairs in creation order (the item root first). Every key of the schema's domain group
    /// must have a value and no value may lack a key: a schema whose domain keys differ from
    /// PVC's define would otherwise leave a VM half-defined for the daemons.
    func definitionPairs(uuid: String, values: [String: String]) throws -> [KeyValue] {
        guard let group = schema.groups["domain"] else {
            throw ClusterClientError.schema(key: "domain", detail: "schema \(schema.version) has no domain group")
        }
        let schemaKeys = Set(group.keys.keys)
        guard schemaKeys == Set(values.keys) else {
            let missing = schemaKeys.subtracting(values.keys).sorted()
            let extra = Set(values.keys).subtracting(schemaKeys).sorted()
            throw ClusterClientError.schema(key: "domain", detail: "schema \(schema.version)'s domain keys differ from "
                + "PVC's define (unwritten: \(missing), unknown: \(extra))")
        }
        var pairs: [KeyValue] = []
        for key in values.keys.sorted() {
            pairs.append(KeyValue(path: try path("domain.\(key)", uuid), value: values[key] ?? ""))
        }
        // Parents before children: the root ("/domains/U") sorts first as the shortest path.
        return pairs.sorted { $0.path.count != $1.path.count ? $0.path.count < $1.path.count : $0.path < $1.path }
    }
}
