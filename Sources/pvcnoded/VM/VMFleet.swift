import ClusterSchema
import Coordination
import Hypervisor
import Logging
import NodeCore
import Synchronization

/// Every VM of the cluster as this node sees it: one `VMInstance` per child of `/domains` (PVC
/// keeps one per VM on every node, as any node may be asked to run or receive it), libvirt's
/// lifecycle events routed to their VM, and the keepalive's figures of what runs here.
final class VMFleet: Sendable {
    private let node: String
    private let store: any CoordinationStore
    private let hypervisor: any Hypervisor
    private let schema: SchemaVersion
    private let domainsPath: String
    private let settings: VMRuntimeSettings
    private let time: MonotonicTime
    /// nil when storage is off: RBD locks are then not checked before a start.
    private let startLocks: StartLocks?
    private let logger: Logger
    private let instances = Mutex<[String: VMInstance]>([:])
    private let published = Mutex(PublishedValues())
    private let publishing = Mutex<Task<Void, Never>?>(nil)
    /// A libvirt that stays unreachable is reported when it starts and when it ends, not at
    /// every keepalive.
    private let outages: Mutex<OutageLog>

    /// Values last written per VM, so `stats` and `consolelog` are written only when changed.
    struct PublishedValues {
        var stats: [String: String] = [:]
        var console: [String: ConsoleLogTail.Snapshot] = [:]
    }

    init(node: String, store: any CoordinationStore, hypervisor: any Hypervisor, schema: SchemaVersion,
         settings: VMRuntimeSettings, time: MonotonicTime, startLocks: StartLocks?, logger: Logger) throws {
        self.node = node
        self.startLocks = startLocks
        self.store = store
        self.hypervisor = hypervisor
        self.schema = schema
        domainsPath = try schema.path("base.domain")
        self.settings = settings
        self.time = time
        self.logger = logger
        outages = Mutex(OutageLog(logger: logger))
    }

    /// Runs until cancelled: follows `/domains` and libvirt's events.
    func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.routeLibvirtEvents() }
            var running: [String: Task<Void, Never>] = [:]
            for await children in store.watchChildren(domainsPath) {
                if Task.isCancelled { break }
                // A missing `/domains` (a cluster being initialised) has no VMs.
                let uuids = Set((children ?? []).filter { !PathRules.isLockContender($0) })
                for (uuid, task) in running where !uuids.contains(uuid) {
                    task.cancel()
                    instances.withLock { $0[uuid] }?.stop()
                    instances.withLock { _ = $0.removeValue(forKey: uuid) }
                    running[uuid] = nil
                    logger.info("VM record removed; no longer followed", metadata: ["vm": "\(uuid)"])
                }
                for uuid in uuids where running[uuid] == nil {
                    guard let instance = makeInstance(uuid) else { continue }
                    instances.withLock { $0[uuid] = instance }
                    running[uuid] = Task { await instance.run() }
                }
            }
            for (uuid, task) in running {
                task.cancel()
                instances.withLock { $0[uuid] }?.stop()
            }
            instances.withLock { $0.removeAll() }
            group.cancelAll()
        }
        publishing.withLock { $0 }?.cancel()
    }

    private func makeInstance(_ uuid: String) -> VMInstance? {
        do {
            let paths = try VMPaths(schema: schema, uuid: uuid)
            return VMInstance(uuid: uuid, node: node, store: store, hypervisor: hypervisor, paths: paths,
                              settings: settings, time: time, startLocks: startLocks, logger: logger)
        } catch {
            logger.error("cannot follow VM: its keys do not resolve", metadata: ["vm": "\(uuid)", "error": "\(error)"])
            return nil
        }
    }

    private func routeLibvirtEvents() async {
        for await event in hypervisor.lifecycleEvents() {
            if Task.isCancelled { return }
            instances.withLock { $0[event.uuid.lowercased()] }?.post(.libvirtChanged)
        }
    }

    // MARK: Keepalive

    /// The hypervisor figures of one keepalive, read from libvirt within `timeout`; nil when
    /// libvirt did not answer (the keepalive keeps its previous figures rather than reporting an
    /// empty node). The stats and console logs are published beside the keepalive, never in its way.
    func keepaliveFigures(timeout: Duration) async -> VMFigures? {
        let hypervisor = hypervisor
        let outcome = await boundedCall(timeout) { try await hypervisor.allStats() }
        let all: [DomainStats]
        switch outcome {
        case .success(let stats)?:
            all = stats
            outages.withLock { $0.succeeded("reading the domains from libvirt") }
        case .failure(let error)?:
            outages.withLock { $0.failed("reading the domains from libvirt", "\(error)") }
            return nil
        case nil:
            outages.withLock { $0.failed("reading the domains from libvirt", "no answer within \(timeout)") }
            return nil
        }
        let instances = instances.withLock { $0 }
        var figures = VMFigures()
        var runningHere: [(stats: DomainStats, instance: VMInstance)] = []
        for stats in all where VMInstance.local(stats.state) == .running {
            // Domains libvirt runs that the cluster does not know are not PVC's (quirk 6): they
            // are neither reported nor counted.
            guard let instance = instances[stats.uuid] else { continue }
            runningHere.append((stats, instance))
            let memory = Int((stats.balloonCurrentKiB ?? 0) / 1024)
            figures.runningDomains.append(stats.uuid)
            figures.memAllocatedMiB += memory
            figures.memProvisionedMiB += memory
            figures.vcpuAllocated += stats.vcpuCurrent ?? 0
        }
        let running = Set(figures.runningDomains)
        for (uuid, instance) in instances {
            instance.post(.reconcile(running: running.contains(uuid)))
            let view = instance.current
            if !running.contains(uuid) && view.node == node { figures.memProvisionedMiB += view.definedMemoryMiB }
        }
        publishInBackground(runningHere)
        return figures
    }

    /// Writes `stats` and `consolelog` of the VMs running here, each only when changed. One round
    /// at a time: a round still writing when the next keepalive comes is not doubled.
    private func publishInBackground(_ running: [(stats: DomainStats, instance: VMInstance)]) {
        publishing.withLock { task in
            guard task == nil else { return }
            // The round clears the slot when it ends, under this same lock: it cannot clear it
            // before it is set here.
            task = Task { await self.publish(running) }
        }
    }

    private func publish(_ running: [(stats: DomainStats, instance: VMInstance)]) async {
        defer { publishing.withLock { $0 = nil } }
        for (domain, instance) in running {
            let json = StatsDocument.json(domain)
            if published.withLock({ $0.stats[domain.uuid] }) != json,
               await write(instance.paths.stats, json, "writing VM stats") {
                published.withLock { $0.stats[domain.uuid] = json }
            }
            let name = instance.current.name
            guard !name.isEmpty else { continue }
            let tail = ConsoleLogTail(directory: settings.consoleLogDirectory, name: name, lines: settings.consoleLogLines)
            let previous = published.withLock { $0.console[domain.uuid] }
            guard let snapshot = tail.read(unless: previous) else { continue }
            // A touched file with the same last lines is remembered, not rewritten.
            var stored = snapshot.text == previous?.text
            if !stored { stored = await write(instance.paths.consoleLog, snapshot.text, "writing VM console logs") }
            if stored { published.withLock { $0.console[domain.uuid] = snapshot } }
        }
        let uuids = Set(running.map(\.stats.uuid))
        published.withLock { values in
            values.stats = values.stats.filter { uuids.contains($0.key) }
            values.console = values.console.filter { uuids.contains($0.key) }
        }
    }

    /// One key written; a failure is reported when it starts and when it ends, not per VM.
    private func write(_ path: String, _ text: String, _ step: String) async -> Bool {
        do {
            _ = try await store.set(path, data: Array(text.utf8))
            outages.withLock { $0.succeeded(step) }
            return true
        } catch {
            outages.withLock { $0.failed(step, "\(error)") }
            return false
        }
    }
}

/// The keepalive's hypervisor figures (pvc-node-daemon.md §4.2).
struct VMFigures: Sendable, Equatable {
    var runningDomains: [String] = []
    var memAllocatedMiB = 0
    var memProvisionedMiB = 0
    var vcpuAllocated = 0
}
