import ClusterSchema
import Coordination
import HostNetwork
import Logging
import NodeCore
import PowerControl

/// A coordinator's fencer: feeds its `FenceMonitor` the keepalive ticks, the session, the
/// maintenance flag and the outcome of every directive, one event at a time, and carries the
/// directives out. Every call is bounded: ZooKeeper by the client's call timeout, the lock by
/// `lockTimeout`, each BMC call by PowerControl's timeout, so a hung BMC or ZooKeeper never
/// wedges the fencer (PVC bug class 3).
final class FenceRun: Sendable {
    enum Event: Sendable {
        case tick
        case session(SessionState)
        case wake
    }

    private let node: String
    private let store: any CoordinationStore
    private let schema: SchemaVersion
    private let settings: FenceSettings
    private let maintenance: MaintenanceWatch
    private let storage: any BlockStorage
    private let cipherSuite: Int
    private let time: MonotonicTime
    private let logger: Logger
    private let fenceLockPath: String
    private let primaryNodePath: String
    private let nodesPath: String
    private let continuation: AsyncStream<Event>.Continuation
    private let events: AsyncStream<Event>

    init(node: String, store: any CoordinationStore, schema: SchemaVersion, settings: FenceSettings,
         maintenance: MaintenanceWatch, storage: any BlockStorage, cipherSuite: Int, time: MonotonicTime,
         logger: Logger) throws {
        self.node = node
        self.store = store
        self.schema = schema
        self.settings = settings
        self.maintenance = maintenance
        self.storage = storage
        self.cipherSuite = cipherSuite
        self.time = time
        self.logger = logger
        // Schema 15 added the key; on an older active schema the same path serves (PVC's older
        // daemons did not lock at all, so nothing else contends on it).
        fenceLockPath = (try? schema.path("base.config.fence_lock")) ?? "/config/fence_lock"
        primaryNodePath = try schema.path("base.config.primary_node")
        nodesPath = try schema.path("base.node")
        (events, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(64))
    }

    func post(_ event: Event) {
        continuation.yield(event)
    }

    /// Runs until cancelled; the daemon is in `run` when this starts.
    func run(sessionStates: AsyncStream<SessionState>) async {
        var core = FenceMonitor(node: node, settings: settings)
        var lease: LockLease?
        var wake: Task<Void, Never>?
        let sessions = Task { [continuation] in
            for await state in sessionStates { continuation.yield(.session(state)) }
        }
        defer {
            sessions.cancel()
            wake?.cancel()
        }
        var queue = core.onRunning(now: time.now)
        for await event in events {
            if Task.isCancelled { break }
            let now = time.now
            switch event {
            case .tick:
                queue += core.onMaintenance(maintenance.isOn, now: now)
                queue += core.onTick(now: now)
            case .wake:
                queue += core.onMaintenance(maintenance.isOn, now: now)
                queue += core.onWake(now: now)
            case .session(.connected):
                queue += core.onSessionReconnected(now: now)
            case .session:
                queue += core.onSessionSuspended(now: now)
            }
            while !queue.isEmpty {
                let directive = queue.removeFirst()
                queue += await perform(directive, core: &core, lease: &lease, wake: &wake)
            }
        }
        if let lease {
            do {
                try await lease.release()
            } catch {
                logger.warning("fence: could not release /config/fence_lock on the way out; it ends with the session",
                               metadata: ["error": "\(error)"])
            }
        }
    }

    // MARK: Directives

    private func perform(_ directive: FenceDirective, core: inout FenceMonitor, lease: inout LockLease?,
                         wake: inout Task<Void, Never>?) async -> [FenceDirective] {
        switch directive {
        case .note(let text):
            logger.notice("fence: \(text)")
            return []
        case .scan:
            return core.onScan(await scan(), now: time.now, epochNow: ProcessEnvironment.epochSeconds)
        case .acquireLock:
            do {
                let lock = CoordinationLock(store: store, path: fenceLockPath, kind: .exclusive, identifier: node)
                lease = try await lock.acquire(timeout: .milliseconds(settings.lockTimeout))
                return core.onLock(acquired: true, now: time.now)
            } catch {
                logger.debug("fence: /config/fence_lock not taken", metadata: ["error": "\(error)"])
                return core.onLock(acquired: false, now: time.now)
            }
        case .releaseLock:
            do {
                try await lease?.release()
            } catch {
                logger.warning("fence: could not release /config/fence_lock; it ends with the session",
                               metadata: ["error": "\(error)"])
            }
            lease = nil
            return []
        case .markDead(let victim, let stateVersion, let keepaliveVersion):
            do {
                let paths = try NodePaths(schema: schema, node: victim)
                _ = try await store.multi([.check(paths.keepalive, version: keepaliveVersion),
                                           .set(paths.daemonState, data: Array("dead".utf8), version: stateVersion)])
                return core.onMarkedDead(true, now: time.now)
            } catch {
                logger.info("fence: \(victim) not marked dead", metadata: ["error": "\(error)"])
                return core.onMarkedDead(false, now: time.now)
            }
        case .readVictim(let victim):
            guard let (state, failed) = await readVictim(victim) else { return core.onSavingThrowUnreadable(now: time.now) }
            return core.onSavingThrow(daemonState: state, bmcCheckFailed: failed, now: time.now)
        case .powerCycle(let victim):
            let (success, detail) = await powerCycle(victim)
            return core.onPowerCycle(success: success, detail: detail, now: time.now)
        case .writeFenced(let victim):
            return core.onFencedWritten(await writeFenced(victim), now: time.now)
        case .evacuate(let victim, let breakLocks):
            _ = await FenceEvacuation(store: store, schema: schema, storage: storage, logger: logger)
                .run(victim: victim, breakLocks: breakLocks)
            return core.onEvacuated(now: time.now)
        case .zeroResources(let victim):
            await zeroResources(victim)
            return []
        case .wake(let at):
            wake?.cancel()
            let instant = time.instant(at: at)
            wake = Task { [continuation] in
                try? await Task.sleep(until: instant, clock: .continuous)
                if !Task.isCancelled { continuation.yield(.wake) }
            }
            return []
        }
    }

    /// Every node's daemon state and keepalive with their versions; a node whose keys cannot be
    /// read is left out of this round (never judged on a guess).
    private func scan() async -> [ObservedNode] {
        let names: [String]
        do {
            names = try await store.items(nodesPath)
        } catch {
            logger.warning("fence: cannot list the nodes; no scan this round", metadata: ["error": "\(error)"])
            return []
        }
        return await withTaskGroup(of: ObservedNode?.self) { group in
            for name in names where name != node {
                group.addTask { [store, schema, logger] in
                    do {
                        let paths = try NodePaths(schema: schema, node: name)
                        let state = try await store.get(paths.daemonState)
                        let keepalive = try await store.get(paths.keepalive)
                        return ObservedNode(name: name, daemonState: state.text, daemonStateVersion: state.stat.version,
                                            keepalive: keepalive.text.flatMap { Int($0.trimmingWhitespace) },
                                            keepaliveVersion: keepalive.stat.version)
                    } catch let error as CoordinationError where error.code == .noNode {
                        // Being removed (or not registered yet): not a node to judge.
                        return nil
                    } catch {
                        logger.warning("fence: cannot read a node's keys; left out of this round",
                                       metadata: ["peer": "\(name)", "error": "\(error)"])
                        return nil
                    }
                }
            }
            var observed: [ObservedNode] = []
            for await node in group { if let node { observed.append(node) } }
            return observed
        }
    }

    /// The victim's daemon state, and whether the last BMC check it published failed; nil when
    /// they cannot be read.
    private func readVictim(_ victim: String) async -> (String?, Bool)? {
        do {
            let paths = try NodePaths(schema: schema, node: victim)
            let checkPath = try BMCCheck.dataPath(schema: schema, node: victim)
            let texts = try await store.texts([paths.daemonState, checkPath])
            return (texts[paths.daemonState], BMCCheck.reportsFailure(texts[checkPath]))
        } catch {
            logger.warning("fence: cannot read \(victim)'s daemon state", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// The victim's BMC as it published it (PVC reads the same keys), then the power sequence.
    private func powerCycle(_ victim: String) async -> (Bool, String) {
        let control: IPMIPowerControl
        do {
            let paths = try NodePaths(schema: schema, node: victim)
            let keys = try await store.texts([paths.ipmiHostname, paths.ipmiUsername, paths.ipmiPassword])
            let host = keys[paths.ipmiHostname] ?? ""
            guard !host.isEmpty else { return (false, "\(victim) published no BMC address (\(paths.ipmiHostname) is empty)") }
            control = IPMIPowerControl(address: try BMCAddress(parsing: host), username: keys[paths.ipmiUsername] ?? "",
                                       password: keys[paths.ipmiPassword] ?? "", cipherSuite: cipherSuite)
        } catch {
            return (false, "cannot read \(victim)'s BMC settings: \(error)")
        }
        logger.notice("fence: power cycle of \(victim) through its BMC \(control)")
        var cycle = PowerCycle()
        var next = cycle.start(now: time.now)
        while true {
            switch next {
            case .finished(let success, let detail):
                return (success, detail)
            case .wait(let until):
                try? await Task.sleep(until: time.instant(at: until), clock: .continuous)
                next = cycle.onWaited(now: time.now)
            case .call(let call):
                let answer: PowerCycle.Answer
                do throws(PowerControlError) {
                    switch call {
                    case .powerOff:
                        try await control.powerOff()
                        answer = .done
                    case .powerOn:
                        try await control.powerOn()
                        answer = .done
                    case .powerStatus:
                        answer = .power(on: try await control.powerStatus() == .on)
                    }
                } catch {
                    answer = .failed("\(error)")
                }
                next = cycle.onAnswer(answer, now: time.now)
            }
        }
    }

    /// `fenced`, and for a coordinator router state `secondary` and the primary key cleared if
    /// it names the victim, in one transaction; the primary key by compare-and-set.
    private func writeFenced(_ victim: String) async -> Bool {
        do {
            let paths = try NodePaths(schema: schema, node: victim)
            var operations: [Operation] = [.set(paths.daemonState, data: Array("fenced".utf8))]
            if try await store.text(paths.daemonMode) == "coordinator" {
                operations.append(.set(paths.routerState, data: Array("secondary".utf8)))
                let primary = try await store.get(primaryNodePath)
                if primary.text == victim {
                    operations.append(.set(primaryNodePath, data: Array("none".utf8), version: primary.stat.version))
                    logger.notice("fence: \(victim) was primary; /config/primary_node set to none")
                }
            }
            _ = try await store.multi(operations)
            return true
        } catch {
            logger.error("fence: could not record \(victim) as fenced", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// PVC's step 7, without its "0" in `runningdomains` (§5.3 ⚠): empty means no VM.
    private func zeroResources(_ victim: String) async {
        do {
            let paths = try NodePaths(schema: schema, node: victim)
            let zeroed = [paths.domainsCount, paths.cpuLoad, paths.vcpuAllocated, paths.memTotal, paths.memUsed,
                          paths.memFree, paths.memAllocated, paths.memProvisioned]
            _ = try await store.multi(zeroed.map { .set($0, data: Array("0".utf8)) }
                                      + [.set(paths.runningDomains, data: [])])
        } catch {
            logger.error("fence: could not zero \(victim)'s resources", metadata: ["error": "\(error)"])
        }
    }
}
