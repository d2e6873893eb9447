import ClusterSchema
import Coordination
import Logging
import NodeCore

/// Follows this node's `domainstate`: `flush` starts a flush, `unflush` a ready; any new value
/// cancels the run in progress first and waits for it to stop (it stops between two events, so
/// the wait is short and bounded by one ZooKeeper call). A value found at start (a daemon that
/// stopped mid-flush) is acted on as if just written.
///
/// A node without the hypervisor subsystem (`settings` nil) answers too, as PVC's does: no VM
/// runs there, so its flush moves nothing and its ready brings nothing back (a VM whose
/// `last_node` names it stays where it is), and `pvcctl node ready --wait` (pvcautoready) ends.
struct DomainStateWatch: Sendable {
    var node: String
    var store: any CoordinationStore
    var schema: SchemaVersion
    var settings: VMRuntimeSettings?
    var time: MonotonicTime
    var logger: Logger

    func run() async {
        let path: String
        do {
            path = try NodePaths(schema: schema, node: node).domainState
        } catch {
            logger.error("cannot follow the node's domain state", metadata: ["error": "\(error)"])
            return
        }
        var running: Task<Void, Never>?
        var last: String?
        for await value in store.watchData(path) {
            let text = value.map { String(decoding: $0.data, as: UTF8.self) }
            guard text != last else { continue }
            last = text
            if let running {
                running.cancel()
                await running.value
            }
            running = nil
            switch text.flatMap(NodeDomainState.init(rawValue:)) {
            case .flush?:
                running = Task { await flush() }
            case .unflush?:
                running = Task { await ready() }
            default:
                break
            }
        }
        running?.cancel()
        await running?.value
    }

    private var flushSettings: FlushSettings {
        // Without VMs nothing is attempted: any valid figures do.
        guard let settings else { return FlushSettings(maxParallel: 1, maxRetries: 1, attemptDeadline: 1) }
        // One attempt may need the whole offline fallback: a shutdown running into its timeout,
        // then a cold start; plus the live attempts before it.
        let migration = settings.callTimeouts.migrate.wholeMilliseconds
        return FlushSettings(maxParallel: settings.maxParallel, maxRetries: settings.maxRetries,
                             attemptDeadline: settings.shutdownTimeout.wholeMilliseconds + migration + 30_000)
    }

    private func flush() async {
        let (node, settings, runsVMs) = (node, flushSettings, self.settings != nil)
        await DomainStateRun<NodeFlush>(node: node, store: store, schema: schema, time: time, logger: logger)
            .run { vms in NodeFlush(node: node, settings: settings, vms: runsVMs ? vms : []) }
    }

    private func ready() async {
        let (node, settings, runsVMs) = (node, flushSettings, self.settings != nil)
        await DomainStateRun<NodeReady>(node: node, store: store, schema: schema, time: time, logger: logger)
            .run { vms in NodeReady(node: node, settings: settings, vms: runsVMs ? vms : []) }
    }
}
