import ClusterSchema
import Coordination
import HostNetwork
import HostStats
import Hypervisor
import Logging
import NodeCore
import PowerControl
import ServiceLifecycle
import ZooKeeper

#if canImport(Glibc)
import Glibc
#endif

/// The runtime of one node: connects, prepares the schema, then feeds the lifecycle core its
/// events (start, ticks, shutdown, write outcomes) and carries out its directives. A lost session
/// is replaced by a new one and the node registers again; only a shutdown ends the service.
struct NodeDaemon: Service {
    enum Outcome {
        case stopped
        case sessionLost(SessionState)
    }

    var settings: DaemonSettings
    var logger: Logger
    var metrics: NodeMetrics
    /// Lines for `/logs/<node>/messages`; nil unless `logging.zookeeper_logging` is on.
    var nodeLog: NodeLogTail?
    /// `/config/maintenance` as last read, for the cores that heed it.
    let maintenance = MaintenanceWatch()
    /// This node's libvirt; nil when it runs no VMs. One connection for the daemon's life: VMs
    /// outlive ZooKeeper sessions.
    var hypervisor: LibvirtHypervisor?
    /// The VM cores' clock.
    let time = MonotonicTime()
    /// Engaged by the self-fence: no VM runs here until a keepalive completes again.
    let guestHold = GuestHold()
    /// This node's Ceph client; nil with storage off. Opened on first use, kept across sessions.
    var ceph: CephAccess?
    /// systemd's notify socket when it started the daemon (`Type=notify`); nil otherwise.
    var systemd: SystemdNotifySocket?

    /// Tells systemd, when it is listening, what the daemon is doing. A lost message is only
    /// logged: it never holds up the daemon.
    private func tellSystemd(_ fields: String...) {
        guard let systemd, let error = systemd.send(fields) else { return }
        logger.debug("systemd notification not sent", metadata: [
            "socket": "\(systemd.address)", "errno": "\(error)", "message": "\(fields.joined(separator: " "))"])
    }

    private func makeSelfFence() -> SelfFenceWatch {
        var fenceLogger = logger
        fenceLogger[metadataKey: "subsystem"] = "fence"
        return SelfFenceWatch(intervals: settings.fence.selfFenceIntervals, keepaliveInterval: settings.keepaliveInterval,
                              hold: guestHold, hypervisor: hypervisor, time: time, logger: fenceLogger)
    }

    func run() async throws {
        let catalog = try SchemaCatalog.bundled()
        var backingOff = SessionConnector(configuration: settings.zookeeper, logger: logger)
        // Back within an interval of ZooKeeper's return: the fencers restart their dead timers
        // when their own sessions come back, and a node still backing off past the dead
        // threshold and its saving throws would be fenced for the outage.
        backingOff.maximumBackoff = min(backingOff.maximumBackoff, settings.keepaliveInterval)
        let connector = backingOff
        // For the daemon's whole life, across sessions: a node cut off reconnects without
        // keepalives, and that is when the self-fence must act.
        let selfFence = makeSelfFence()
        let selfFenceRun = Task { await selfFence.run() }
        defer { selfFenceRun.cancel() }
        var lastProblem: String?
        var backoff = Duration.milliseconds(250)
        metrics.daemonState(nil)
        while !Task.isShuttingDownGracefully {
            metrics.sessionState(.connecting)
            tellSystemd("STATUS=connecting to ZooKeeper at \(settings.zookeeper.hosts)")
            // A shutdown while no server answers ends the wait: nothing of ours is to clean up.
            guard let store = await cancelWhenGracefulShutdown({ await connector.connect() }) else {
                logger.notice("shut down before ZooKeeper was reached")
                tellSystemd("STOPPING=1", "STATUS=shut down before ZooKeeper was reached")
                return
            }
            let stateLog = Task { [logger, metrics] in
                for await state in store.sessionStates() {
                    metrics.sessionState(state)
                    logger.info("ZooKeeper session \(state)")
                }
            }
            defer { stateLog.cancel() }
            let outcome: Outcome
            do {
                outcome = try await serve(on: store, catalog: catalog, selfFence: selfFence)
            } catch {
                // Garbage in a key we read, or a lock that timed out: stay up, say so once, and
                // try again from the start, as an operator may fix the cluster under us.
                await store.close()
                let problem = "\(error)"
                if problem != lastProblem {
                    logger.error("startup failed, retrying", metadata: ["error": "\(problem)"])
                    tellSystemd("STATUS=startup failed, retrying: \(problem)")
                    lastProblem = problem
                }
                let pause = backoff
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
                backoff = min(backoff * 2, .seconds(10))
                continue
            }
            switch outcome {
            case .stopped:
                return
            case .sessionLost(let state):
                logger.error("ZooKeeper session lost, connecting again", metadata: ["state": "\(state)"])
                tellSystemd("STATUS=ZooKeeper session lost (\(state)), connecting again")
                await store.close()
            }
        }
    }

    /// `/schema/version` is missing or empty although nodes are registered: the cluster exists, so
    /// initialising it afresh would be a guess. An operator has to restore the version.
    struct MissingVersion: Error, CustomStringConvertible {
        var path: String
        var nodes: Int
        var description: String {
            "\(path) is missing or empty but \(nodes) node(s) are registered; not initialising the cluster over them"
        }
    }

    /// Looks, without writing, at what startup validation reads: a missing cluster version on a
    /// populated tree is refused, and a migration record that is not a version is reported
    /// before startup validation records the version it validates.
    private func inspectBeforeSetup(on store: ZooKeeperClient, catalog: SchemaCatalog) async throws {
        guard let newest = catalog.latest.flatMap({ try? catalog.schema($0) }) else { return }
        let versionPath = try newest.path("base.schema.version")
        let text: String
        do {
            text = String(decoding: try await store.get(versionPath).data, as: UTF8.self)
        } catch let error as CoordinationError where error.code == .noNode {
            text = ""
        }
        if text.trimmingWhitespace.isEmpty {
            let nodesPath = try newest.path("base.node")
            let nodes: [String]
            do {
                nodes = try await store.children(nodesPath)
            } catch let error as CoordinationError where error.code == .noNode {
                nodes = []
            }
            if !nodes.isEmpty { throw MissingVersion(path: versionPath, nodes: nodes.count) }
        }
        let markerPath = try SchemaSetup.markerPath(newest)
        do {
            let marker = String(decoding: try await store.get(markerPath).data, as: UTF8.self)
            if SchemaAgreement.parse(marker) == nil {
                logger.warning("schema: the tree's migration record is not a version; startup validation records the validated one",
                               metadata: ["path": "\(markerPath)", "value": "\(SchemaUpgrade.excerpt(marker))",
                                          "bytes": "\(marker.utf8.count)"])
            }
        } catch let error as CoordinationError where error.code == .noNode {
            // A new cluster, or one set up before the record existed: startup validation writes it.
        }
    }

    private func serve(on store: ZooKeeperClient, catalog: SchemaCatalog, selfFence: SelfFenceWatch) async throws -> Outcome {
        try await inspectBeforeSetup(on: store, catalog: catalog)
        let schema = try await SchemaSetup(catalog: catalog, logger: logger).ensure(on: store)
        let latest = Self.latestSchema(catalog, logger: logger)
        let identity = NodeIdentity(
            name: settings.name, role: settings.role, staticData: HostFacts.staticData(),
            pvcVersion: DaemonSettings.pvcVersion, ipmiHostname: settings.ipmiHostname,
            ipmiUsername: settings.ipmiUsername, ipmiPassword: settings.ipmiPassword,
            activeSchema: schema.version, latestSchema: latest)
        var lifecycle = NodeLifecycle(identity: identity, paths: try NodePaths(schema: schema, node: settings.name))
        var agreement = SchemaAgreement(node: settings.name, role: settings.role, active: schema.version,
                                        latest: latest, known: Set(catalog.versions.filter { $0 <= latest }))
        let newest = try catalog.schema(catalog.latest ?? schema.version)
        let upgrade = SchemaUpgrade(store: store, catalog: catalog, settings: settings, logger: logger,
                                    versionPath: try newest.path("base.schema.version"),
                                    markerPath: try SchemaSetup.markerPath(newest),
                                    activePath: lifecycle.paths.activeSchema)
        var outages = OutageLog(logger: logger)

        var backoff = Duration.milliseconds(250)
        while lifecycle.phase != .initialized {
            if store.sessionState.isTerminal { return .sessionLost(store.sessionState) }
            if Task.isShuttingDownGracefully {
                await store.close()
                return .stopped
            }
            do {
                let exists = try await store.exists(lifecycle.paths.root) != nil
                await perform(lifecycle.onStarted(nodeExists: exists, now: Self.now()),
                                  on: store, lifecycle: &lifecycle, outages: &outages)
            } catch {
                outages.failed("registration", "\(error)")
            }
            if lifecycle.phase != .initialized {
                let pause = backoff
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
                backoff = min(backoff * 2, .seconds(5))
            }
        }
        logger.info("registered", metadata: ["state": "init", "role": "\(settings.role.rawValue)",
                                             "schema": "\(schema.version)", "latest": "\(latest)"])
        let publisher = try nodeLog.map { tail in
            NodeLogPublisher(store: store, tail: tail, path: try schema.path("logs.messages", item: settings.name),
                             interval: settings.keepaliveInterval, identifier: settings.name, logger: logger)
        }
        let publishing = Task { await publisher?.run() }
        defer { publishing.cancel() }
        let primaryPaths = try PrimaryPaths(schema: schema)
        await SessionMarker.register(settings.name, store: store, sessions: primaryPaths.sessions, logger: logger)
        let role = PrimaryRole(
            name: settings.name, role: settings.role, store: store, paths: primaryPaths,
            network: settings.floatingAddresses.isEmpty ? nil : IPRoute2Network(logger: logger),
            addresses: settings.floatingAddresses, timings: settings.primaryTimings, logger: logger)
        let roleRun = Task { await role.run(sessionStates: store.sessionStates()) }
        let fleet = try vmFleet(store: store, schema: schema)
        let fleetRun = Task { [guestHold] in
            if let fleet { await FleetSupervision.run(fleet, hold: guestHold) }
        }
        defer { fleetRun.cancel() }
        let fence = try fenceRun(store: store, schema: schema)
        var fenceTask: Task<Void, Never>?
        defer { fenceTask?.cancel() }
        let bmcCheckRun = Task { await bmcCheck(store: store, schema: schema)?.runPeriodically(every: settings.ipmiCheckInterval) }
        defer { bmcCheckRun.cancel() }
        let domainStateRun = Task { await domainStateWatch(store: store, schema: schema).run() }
        defer { domainStateRun.cancel() }
        let storageStatsRun = Task { await storageStats(store: store, schema: schema, role: role)?.run() }
        defer { storageStatsRun.cancel() }
        var vmFigures = VMFigures()
        defer { roleRun.cancel() }
        let roleFinishTimeout = Duration.seconds(5)
        let maintenanceWatch = Task { [store, logger, metrics, maintenance] in
            await maintenance.run(store: store, path: primaryPaths.maintenance, logger: logger, metrics: metrics)
        }
        defer { maintenanceWatch.cancel() }

        // Every change of the cluster's version reaches the loop below, which reacts between
        // keepalives; the first value is the current one, so a raise since startup is not missed.
        let watch = VersionWatch()
        let watcher = Task { [store, versionPath = upgrade.versionPath] in
            for await value in store.watchData(versionPath) {
                watch.post(value.map { String(decoding: $0.data, as: UTF8.self) })
            }
        }
        defer { watcher.cancel() }
        do {
            try await upgrade.carryOut(agreement.onRegistered(), agreement: &agreement)
        } catch {
            // Not raising is always safe: another node's registration may raise it later.
            logger.warning("schema: could not read the nodes' latest schema versions", metadata: ["error": "\(error)"])
        }

        let clock = ContinuousClock()
        // The first keepalive goes at once: `run` need not wait an interval after registration.
        var next = clock.now
        while true {
            let wakeAt = next
            // Only the wait is cancelled by a shutdown, never a write in flight.
            await cancelWhenGracefulShutdown { await watch.wait(until: wakeAt) }
            if Task.isShuttingDownGracefully || Task.isCancelled { break }
            for value in watch.take() {
                try await upgrade.clusterVersionChanged(value, agreement: &agreement)
            }
            if store.sessionState.isTerminal {
                await role.finish(timeout: roleFinishTimeout, running: roleRun)
                return .sessionLost(store.sessionState)
            }
            guard clock.now >= next else { continue }
            next = next.advanced(by: settings.keepaliveInterval)
            // A late keepalive must not make the next ones late as well.
            if next < clock.now { next = clock.now.advanced(by: settings.keepaliveInterval) }
            let wasRunning = lifecycle.phase == .running
            if let fleet, let figures = await fleet.keepaliveFigures(timeout: settings.keepaliveInterval / 4) {
                vmFigures = figures
            }
            let figures = stats(&outages, vm: vmFigures)
            selfFence.maintenance(maintenance.isOn)
            await perform(lifecycle.onKeepaliveTick(figures, now: Self.now()),
                          on: store, lifecycle: &lifecycle, outages: &outages,
                          keepaliveExtras: role.dutiesActive ? primaryKeepaliveWrites(primaryPaths) : [],
                          selfFence: selfFence)
            if !wasRunning && lifecycle.phase == .running {
                logger.notice("daemon state run")
                // Ready means registered and live: what pvcautoready, ordered after this unit, needs.
                tellSystemd("READY=1", "STATUS=run (\(settings.role.rawValue))")
                role.send(.running)
                if let fence {
                    fenceTask = Task { await fence.run(sessionStates: store.sessionStates()) }
                }
            }
            role.send(.tick(keepalive: true))
            fence?.post(.tick)
            if settings.logKeepalives {
                logger.info("keepalive", metadata: [
                    "state": "\(lifecycle.committedState?.rawValue ?? "none")", "load": "\(figures.cpuLoad)",
                    "mem_used_mib": "\(figures.memUsedMiB)", "mem_free_mib": "\(figures.memFreeMiB)"])
            }
        }

        logger.notice("shutting down")
        tellSystemd("STOPPING=1", "STATUS=shutting down")
        // The role first: a primary hands over (or finds nobody to hand over to) while its
        // session still works, then the lifecycle writes shutdown and stop.
        await role.shutDown(timeout: settings.primaryShutdownTimeout)
        if let publisher {
            publishing.cancel()
            // A round in flight holds the batch (and maybe the key's lock): let it end first.
            await publishing.value
            var quiet = OutageLog(logger: Logger(label: "pvcnoded.quiet", factory: { SwiftLogNoOpLogHandler($0) }))
            await publisher.publishOnce(&quiet)
        }
        fleetRun.cancel()
        domainStateRun.cancel()
        await perform(lifecycle.onShutdownRequested(stats(&outages, vm: vmFigures), now: Self.now()),
                          on: store, lifecycle: &lifecycle, outages: &outages)
        await role.finish(timeout: roleFinishTimeout, running: roleRun)
        logger.notice("stopped", metadata: ["state": "\(lifecycle.committedState?.rawValue ?? "none")"])
        return .stopped
    }

    /// Set to pretend this build knows no schema above it: how tests and operators rehearse a
    /// rolling upgrade with one binary (a node "on older software" blocks the cluster's raise).
    static let latestSchemaVariable = "PVCNODED_LATEST_SCHEMA"

    /// The newest version this build knows, `PVCNODED_LATEST_SCHEMA` if set to an installed one.
    static func latestSchema(_ catalog: SchemaCatalog, logger: Logger) -> Int {
        let newest = catalog.latest ?? 0
        guard let text = ProcessEnvironment.value(latestSchemaVariable) else { return newest }
        guard let capped = Int(text), catalog.schemas[capped] != nil, capped <= newest else {
            logger.warning("ignoring \(latestSchemaVariable): not an installed schema version",
                           metadata: ["value": "\(text.prefix(64))"])
            return newest
        }
        logger.notice("latest schema limited by \(latestSchemaVariable)", metadata: ["latest": "\(capped)"])
        return capped
    }

    /// Carries out directives until the core has nothing more to ask. Every write is bounded by
    /// the keepalive interval, whatever the client does.
    private func perform(_ initial: [Directive], on store: ZooKeeperClient,
                         lifecycle: inout NodeLifecycle, outages: inout OutageLog,
                         keepaliveExtras: [Operation] = [], selfFence: SelfFenceWatch? = nil) async {
        var queue = initial
        while !queue.isEmpty {
            switch queue.removeFirst() {
            case .write(let purpose, let written):
                // The primary's own keys ride in the same transaction: no extra request.
                let operations = purpose == .keepalive ? written + keepaliveExtras : written
                let started = ContinuousClock.now
                let result = await boundedCall(settings.keepaliveInterval) {
                    try await store.multi(operations)
                }
                if purpose == .keepalive {
                    var succeeded = false
                    if case .success = result { succeeded = true }
                    metrics.keepalive(took: ContinuousClock.now - started, succeeded: succeeded)
                    await selfFence?.keepalive(succeeded: succeeded)
                }
                switch result {
                case .success:
                    outages.succeeded(purpose.rawValue)
                    queue += lifecycle.onWriteSucceeded(purpose)
                case .failure(let error):
                    outages.failed(purpose.rawValue, "\(error)")
                    queue += lifecycle.onWriteFailed(purpose)
                case nil:
                    outages.failed(purpose.rawValue, "no answer within \(settings.keepaliveInterval)")
                    queue += lifecycle.onWriteFailed(purpose)
                }
            case .retryStartup:
                // The registration loop looks again at whether the node exists.
                break
            case .closeSession:
                await store.close()
                metrics.sessionState(.closed)
            }
            metrics.daemonState(lifecycle.committedState)
        }
    }

    /// The keys PVC's primary keeps current at each keepalive (§4.1 steps 2–3).
    private func primaryKeepaliveWrites(_ paths: PrimaryPaths) -> [Operation] {
        var writes: [Operation] = [.set(paths.migrationTargetSelector, data: Array(settings.migrationTargetSelector.utf8))]
        if let upstream = settings.floatingAddresses[.upstream] {
            writes.append(.set(paths.upstreamIP, data: Array(upstream.cidr.utf8)))
        }
        return writes
    }

    private func stats(_ outages: inout OutageLog, vm: VMFigures = VMFigures()) -> KeepaliveStats {
        var stats: KeepaliveStats
        do {
            stats = try HostFacts.keepaliveStats(HostStats())
            outages.succeeded("host statistics")
        } catch {
            outages.failed("host statistics", "\(error)")
            stats = KeepaliveStats()
        }
        stats.memAllocatedMiB = vm.memAllocatedMiB
        stats.memProvisionedMiB = vm.memProvisionedMiB
        stats.vcpuAllocated = vm.vcpuAllocated
        stats.domainsCount = vm.runningDomains.count
        stats.runningDomains = vm.runningDomains
        return stats
    }

    private func domainStateWatch(store: ZooKeeperClient, schema: SchemaVersion) -> DomainStateWatch {
        var flushLogger = logger
        flushLogger[metadataKey: "subsystem"] = "flush"
        // With the hypervisor subsystem off the node still answers flush and ready, moving nothing.
        return DomainStateWatch(node: settings.name, store: store, schema: schema,
                                settings: hypervisor == nil ? nil : settings.vm, time: time, logger: flushLogger)
    }

    /// Coordinators fence (PVC's rule); a node with fencing disabled (0 intervals) has no fencer.
    private func fenceRun(store: ZooKeeperClient, schema: SchemaVersion) throws -> FenceRun? {
        guard settings.role == .coordinator, settings.fence.fenceIntervals > 0 else { return nil }
        var fenceLogger = logger
        fenceLogger[metadataKey: "subsystem"] = "fence"
        return try FenceRun(node: settings.name, store: store, schema: schema, settings: settings.fence,
                            maintenance: maintenance, storage: blockStorage(logger: fenceLogger),
                            cipherSuite: settings.ipmiCipherSuite,
                            time: time, logger: fenceLogger)
    }

    private func bmcCheck(store: ZooKeeperClient, schema: SchemaVersion) -> BMCCheck? {
        var checkLogger = logger
        checkLogger[metadataKey: "subsystem"] = "fence"
        var control: IPMIPowerControl?
        var reason = "no BMC configured (fencing.ipmi.hostname); peers cannot fence this node"
        if !settings.ipmiHostname.isEmpty {
            do {
                control = IPMIPowerControl(address: try BMCAddress(parsing: settings.ipmiHostname),
                                           username: settings.ipmiUsername, password: settings.ipmiPassword,
                                           cipherSuite: settings.ipmiCipherSuite)
            } catch {
                reason = "fencing.ipmi.hostname is not a BMC address: \(error)"
            }
        }
        return BMCCheck(node: settings.name, store: store, schema: schema, control: control,
                        unconfiguredReason: reason, logger: checkLogger)
    }

    private func vmFleet(store: ZooKeeperClient, schema: SchemaVersion) throws -> VMFleet? {
        guard let hypervisor, let vm = settings.vm else { return nil }
        var vmLogger = logger
        vmLogger[metadataKey: "subsystem"] = "vm"
        return try VMFleet(node: settings.name, store: store, hypervisor: hypervisor, schema: schema,
                           settings: vm, time: time, startLocks: ceph.map { StartLocks(access: $0, logger: vmLogger) },
                           logger: vmLogger)
    }

    private func blockStorage(logger: Logger) -> any BlockStorage {
        guard let ceph else { return NoBlockStorage() }
        return CephBlockStorage(access: ceph, logger: logger)
    }

    /// The primary's Ceph figures, beside the keepalive (never in its way); nil with storage off.
    private func storageStats(store: ZooKeeperClient, schema: SchemaVersion, role: PrimaryRole) -> StorageStatsRun? {
        guard let ceph else { return nil }
        var statsLogger = logger
        statsLogger[metadataKey: "subsystem"] = "storage"
        return StorageStatsRun(store: store, schema: schema, source: ceph, interval: settings.keepaliveInterval,
                               isPrimary: { role.dutiesActive }, logger: statsLogger)
    }

    private static func now() -> Int {
        ProcessEnvironment.epochSeconds
    }
}
