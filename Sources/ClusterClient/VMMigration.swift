import NodeCore

/// What a migration-like request asks for: PVC's `migrate_vm`, `move_vm`, `unmigrate_vm`.
enum MigrationKind: Sendable {
    /// Temporary: `lastnode` remembers the node the VM came from.
    case migrate(force: Bool)
    /// Permanent: `lastnode` cleared.
    case move
    /// Back to `lastnode`, which is cleared.
    case unmigrate
}

extension ClusterClient {
    /// `migrate_vm` (§7.3): to `target`, or to the node target selection picks. Refused when
    /// `lastnode` is set (the VM was migrated already) unless `force`, which keeps the original
    /// `lastnode`. `live` writes `migrate-live` (no shutdown fallback). With `wait`, returns once
    /// the state is no longer the one written.
    public func migrate(_ vm: String, target: String? = nil, live: Bool = false, force: Bool = false,
                        wait: Bool = false,
                        timeout: Duration = ClusterClient.defaultWaitTimeout) async throws -> VMOperationResult {
        try await relocate(vm, kind: .migrate(force: force), target: target, live: live, wait: wait, timeout: timeout)
    }

    /// `move_vm`: as `migrate`, but permanent (`lastnode` = ""). Moving to the node the VM is on
    /// while `lastnode` is set only clears `lastnode` ("make a temporary migration permanent").
    public func move(_ vm: String, target: String? = nil, live: Bool = false, wait: Bool = false,
                     timeout: Duration = ClusterClient.defaultWaitTimeout) async throws -> VMOperationResult {
        try await relocate(vm, kind: .move, target: target, live: live, wait: wait, timeout: timeout)
    }

    /// `unmigrate_vm`: back to `lastnode`, which is cleared; refused when `lastnode` is empty.
    public func unmigrate(_ vm: String, live: Bool = false, wait: Bool = false,
                          timeout: Duration = ClusterClient.defaultWaitTimeout) async throws -> VMOperationResult {
        try await relocate(vm, kind: .unmigrate, target: nil, live: live, wait: wait, timeout: timeout)
    }

    /// What `relocate` decided under the lock.
    private struct Relocation: Sendable {
        var message: String
        var warnings: [String]
        var choice: String?
        /// The state written; nil when only `lastnode` changed.
        var state: String?
        /// The node written.
        var destination: String?
    }

    private func relocate(_ vm: String, kind: MigrationKind, target: String?, live: Bool, wait: Bool,
                          timeout: Duration) async throws -> VMOperationResult {
        let identity = try await resolveVM(vm)
        let uuid = identity.uuid
        let paths = (state: try path("domain.state", uuid), node: try path("domain.node", uuid),
                     lastNode: try path("domain.last_node", uuid), limit: try path("domain.meta.node_limit", uuid),
                     selector: try path("domain.meta.node_selector", uuid))
        if let target { try await requireNode(target) }
        var written: [KeyValue] = []
        let relocation = try await underStateLock(identity) { () -> (pairs: [KeyValue], result: Relocation) in
            let values = try await store.texts([paths.state, paths.node, paths.lastNode, paths.limit, paths.selector])
            let state = values[paths.state]
            guard let currentNode = values[paths.node] else { throw ClusterClientError.missingKey(paths.node) }
            let lastNode = values[paths.lastNode] ?? ""
            let limit = values[paths.limit] ?? ""
            // PVC: a VM that is not running keeps its state; only where it belongs changes.
            let targetState = state == VMState.start.rawValue
                ? (live ? VMState.migrateLive.rawValue : VMState.migrate.rawValue) : state ?? ""

            var destination: String
            var warnings: [String] = []
            var choiceSummary: String?
            switch kind {
            case .unmigrate:
                guard !lastNode.isEmpty else { throw ClusterClientError.notPreviouslyMigrated(vm: identity.description) }
                destination = lastNode
            case .migrate(let force):
                if !lastNode.isEmpty && !force {
                    throw ClusterClientError.previouslyMigrated(vm: identity.description, lastNode: lastNode)
                }
                fallthrough
            case .move:
                if let target {
                    if !NodeLimit(parsing: limit).allows(target) {
                        throw ClusterClientError.targetOutsideLimit(vm: identity.description, target: target, limit: limit)
                    }
                    if target == currentNode {
                        if case .move = kind, !lastNode.isEmpty {
                            written = [KeyValue(path: paths.lastNode, value: "")]
                            return (written, Relocation(
                                message: "Making temporary migration permanent for VM \(identity).",
                                warnings: [], choice: nil, state: nil, destination: nil))
                        }
                        throw ClusterClientError.alreadyOnNode(vm: identity.description, node: currentNode)
                    }
                    destination = target
                } else {
                    let choice = try await chooseTarget(vm: identity.name, currentNode: currentNode,
                                                        nodeLimit: values[paths.limit],
                                                        vmSelector: values[paths.selector])
                    warnings = choice.warnings
                    guard let chosen = choice.target else {
                        throw ClusterClientError.noTarget(vm: identity.description, summary: choice.summary)
                    }
                    destination = chosen
                    choiceSummary = choice.summary
                }
            }
            let newLastNode: String
            let message: String
            switch kind {
            case .migrate:
                // A forced re-migration keeps the VM's original home.
                newLastNode = lastNode.isEmpty ? currentNode : lastNode
                message = "Migrating VM \(identity) to node '\(destination)'."
            case .move:
                newLastNode = ""
                message = "Permanently migrating VM \(identity) to node '\(destination)'."
            case .unmigrate:
                newLastNode = ""
                message = "Unmigrating VM \(identity) back to node '\(destination)'."
            }
            written = [KeyValue(path: paths.state, value: targetState), KeyValue(path: paths.node, value: destination),
                       KeyValue(path: paths.lastNode, value: newLastNode)]
            return (written, Relocation(message: message, warnings: warnings, choice: choiceSummary,
                                        state: targetState,
                                        destination: destination))
        }
        // PVC waits while the state is the one written; a VM that was not running was written
        // its own state back, which no node changes, so there is nothing to wait for.
        guard wait, let state = relocation.state, VMState(rawValue: state)?.isMigration == true else {
            return VMOperationResult(vm: identity, written: written, message: relocation.message,
                                     warnings: relocation.warnings, targetChoice: relocation.choice)
        }
        let final = try await waitForState(identity, timeout: timeout) { $0 == state }
        guard final == VMState.start.rawValue else {
            throw ClusterClientError.endedIn(subject: "VM \(identity)", path: paths.state, state: final,
                                             expected: VMState.start.rawValue)
        }
        // A migration the source aborts also ends in `start`, back on the source node.
        let node = try await store.text(paths.node)
        if let destination = relocation.destination, node != destination {
            throw ClusterClientError.migrationAborted(vm: identity.description, node: node, target: destination)
        }
        return VMOperationResult(vm: identity, written: written, message: relocation.message,
                                 warnings: relocation.warnings, targetChoice: relocation.choice, finalState: final,
                                 waited: true)
    }
}
