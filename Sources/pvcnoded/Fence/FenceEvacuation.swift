import ClusterReads
import ClusterSchema
import Coordination
import Logging
import NodeCore

/// Moves a fenced node's VMs (PVC's `migrateFromFencedNode`, §5.4), each on its own so one
/// failure never strands the rest (bug class 7): RBD locks freed (only when the power was seen
/// off), a target chosen with the VM's selector and limit, then one transaction `state` `start`,
/// `node` the target, `lastnode` the fenced node; with no target, `stop` and autostart, so the
/// VM starts by itself once its node is readied again.
struct FenceEvacuation: Sendable {
    let store: any CoordinationStore
    let schema: SchemaVersion
    let storage: any BlockStorage
    let logger: Logger

    struct Outcome: Sendable {
        var moved: [String: String] = [:]
        var stopped: [String] = []
        var failed: [String: String] = [:]
    }

    func run(victim: String, breakLocks: Bool) async -> Outcome {
        var outcome = Outcome()
        let paths: NodePaths
        do {
            paths = try NodePaths(schema: schema, node: victim)
        } catch {
            logger.error("evacuation of \(victim) impossible: its keys do not resolve", metadata: ["error": "\(error)"])
            return outcome
        }
        let running: [String]
        do {
            let text = try await store.text(paths.runningDomains) ?? ""
            // PVC's new nodes carry "0"; never a VM.
            running = text.split(separator: " ").map(String.init).filter { $0 != "0" }
        } catch {
            logger.error("evacuation of \(victim): cannot read its running VMs; nothing moved", metadata: ["error": "\(error)"])
            return outcome
        }
        await write([.set(paths.domainState, data: Array("fence-flush".utf8))], "domainstate fence-flush of \(victim)")
        // One read of every node's figures for the whole evacuation; the VMs placed so far count
        // against their targets (the keepalives show them only later), so they spread.
        var placement: Placement?
        do {
            let (candidates, clusterSelector) = try await CandidateReader(store: store, schema: schema).read()
            placement = Placement(candidates: candidates, clusterSelector: clusterSelector)
        } catch {
            logger.error("evacuation of \(victim): cannot read the nodes' figures; its VMs are stopped with autostart",
                         metadata: ["error": "\(error)"])
        }
        for uuid in running {
            do {
                let result = try await move(uuid, from: victim, breakLocks: breakLocks, placement: &placement)
                if let target = result {
                    outcome.moved[uuid] = target
                } else {
                    outcome.stopped.append(uuid)
                }
            } catch {
                outcome.failed[uuid] = "\(error)"
                logger.error("evacuation of \(victim): VM \(uuid) not moved; continuing with the others",
                             metadata: ["error": "\(error)"])
            }
        }
        await write([.set(paths.domainState, data: Array("flushed".utf8))], "domainstate flushed of \(victim)")
        logger.notice("evacuated \(victim)", metadata: [
            "moved": "\(outcome.moved.keys.sorted().map { "\($0)->\(outcome.moved[$0] ?? "")" }.joined(separator: " "))",
            "stopped": "\(outcome.stopped.joined(separator: " "))",
            "failed": "\(outcome.failed.keys.sorted().joined(separator: " "))"])
        return outcome
    }

    struct NoRecord: Error, CustomStringConvertible {
        var uuid: String
        var description: String { "no VM \(uuid) under /domains" }
    }

    struct Placement {
        var candidates: [CandidateNode]
        var clusterSelector: String?
        var inFlight: [String: InFlightLoad] = [:]
    }

    /// The target the VM was given, or nil when it was stopped with autostart for lack of one.
    private func move(_ uuid: String, from victim: String, breakLocks: Bool,
                      placement: inout Placement?) async throws -> String? {
        let paths = try VMPaths(schema: schema, uuid: uuid)
        let volumesPath = try schema.path("domain.storage.volumes", item: uuid)
        let keys = try await store.texts([paths.root, paths.nodeLimit, paths.nodeSelector, volumesPath, paths.xml])
        guard keys[paths.root] != nil else { throw NoRecord(uuid: uuid) }
        let volumes = (keys[volumesPath] ?? "").split(separator: ",").map(String.init).filter { !$0.isEmpty }
        if breakLocks {
            try await storage.breakLocks(on: volumes, fencedNode: victim)
        } else if !volumes.isEmpty {
            logger.warning("VM \(uuid): RBD locks kept (the power of \(victim) was not seen off); its start checks them")
        }
        var target: String?
        if var current = placement {
            let choice = TargetSelection.choose(vm: uuid, currentNode: victim, nodeLimit: keys[paths.nodeLimit],
                                                vmSelector: keys[paths.nodeSelector],
                                                clusterSelector: current.clusterSelector,
                                                candidates: current.candidates, inFlight: current.inFlight)
            for warning in choice.warnings { logger.warning("VM \(uuid): \(warning)") }
            target = choice.target
            if let target {
                let xml = keys[paths.xml] ?? ""
                current.inFlight[target, default: .none] += .vm(memoryMiB: DomainXML.memoryMiB(xml) ?? 0,
                                                               vcpus: DomainXML.vcpus(xml) ?? 0)
                placement = current
            }
        }
        guard let target else {
            _ = try await store.multi([.set(paths.state, data: Array("stop".utf8)),
                                       .set(paths.autostart, data: Array("True".utf8))])
            logger.warning("VM \(uuid) of \(victim): no node can take it; stopped with autostart")
            return nil
        }
        _ = try await store.multi([.set(paths.state, data: Array("start".utf8)),
                                   .set(paths.node, data: Array(target.utf8)),
                                   .set(paths.lastNode, data: Array(victim.utf8))])
        logger.notice("VM \(uuid) of \(victim) starts on \(target)")
        return target
    }

    private func write(_ operations: [Operation], _ what: String) async {
        do {
            _ = try await store.multi(operations)
        } catch {
            logger.error("could not write \(what)", metadata: ["error": "\(error)"])
        }
    }
}
