import Coordination
import Hypervisor
import Logging
import NodeCore
import Synchronization

/// One VM on this node: its `VMLifecycle` core, fed one event at a time from a single queue (the
/// state key's watch, libvirt's lifecycle events, the keepalive's look at libvirt, the end of an
/// action, a timer), so no in-progress flag can race a watch (PVC bug class 9). libvirt actions
/// run beside the queue and come back to it as events; writes are made from the queue, in order.
actor VMInstance {
    enum Event: Sendable {
        /// The state key was written (every client operation rewrites it), or the queue started.
        case recordChanged
        /// libvirt reported a lifecycle event for this domain.
        case libvirtChanged
        /// The keepalive's list of running domains: whether this one is in it.
        case reconcile(running: Bool)
        /// A libvirt action ended; a migration hands over its locks, released once its outcome
        /// is written.
        case finished(VMActionOutcome, MigrationLocks?)
        case tick
    }

    nonisolated let uuid: String
    private let node: String
    private let store: any CoordinationStore
    private let hypervisor: any Hypervisor
    nonisolated let paths: VMPaths
    private let settings: VMRuntimeSettings
    private let time: MonotonicTime
    private let startLocks: StartLocks?
    private var logger: Logger
    private var core: VMLifecycle
    private let continuation: AsyncStream<Event>.Continuation
    private let events: AsyncStream<Event>
    private let view = Mutex(VMView())
    private var wake: Task<Void, Never>?
    private var lastVNC: String?
    private var warnedStateText: String?

    init(uuid: String, node: String, store: any CoordinationStore, hypervisor: any Hypervisor, paths: VMPaths,
         settings: VMRuntimeSettings, time: MonotonicTime, startLocks: StartLocks?, logger: Logger) {
        self.uuid = uuid
        self.startLocks = startLocks
        self.node = node
        self.store = store
        self.hypervisor = hypervisor
        self.paths = paths
        self.settings = settings
        self.time = time
        var logger = logger
        logger[metadataKey: "vm"] = "\(uuid)"
        self.logger = logger
        core = VMLifecycle(uuid: uuid, node: node, shutdownTimeout: settings.shutdownTimeout.wholeMilliseconds,
                           liveAttempts: settings.liveAttempts)
        (events, continuation) = AsyncStream.makeStream(of: Event.self)
    }

    /// The record as last read, for the keepalive and the flush.
    nonisolated var current: VMView { view.withLock { $0 } }

    nonisolated func post(_ event: Event) {
        continuation.yield(event)
    }

    /// Runs the queue until cancelled. libvirt is read before the record, so a VM already
    /// running here (a daemon restart) is never started a second time; the record is read on the
    /// watch's first value, so a write made while the queue was starting is not missed.
    func run() async {
        await readName()
        await handleLibvirtChanged()
        let watch = Task { [store, paths, continuation] in
            for await _ in store.watchData(paths.state) {
                continuation.yield(.recordChanged)
            }
        }
        defer {
            watch.cancel()
            wake?.cancel()
        }
        for await event in events {
            if Task.isCancelled { break }
            switch event {
            case .recordChanged:
                await handleRecordChanged()
            case .libvirtChanged:
                await handleLibvirtChanged()
            case .reconcile(let running):
                await reconcile(running: running)
            case .finished(let outcome, let locks):
                await perform(core.onActionFinished(outcome, now: time.now))
                await locks?.release()
            case .tick:
                await perform(core.onTick(now: time.now))
            }
        }
        continuation.finish()
    }

    /// Ends the queue; an action in flight finishes on its own and its outcome is dropped (its
    /// locks are released by the action itself).
    nonisolated func stop() {
        continuation.finish()
    }

    // MARK: Events

    private func readName() async {
        let name: String
        do {
            guard let text = try await store.text(paths.root) else { return }
            name = text
        } catch {
            // Only the log lines and the console log's file name need it; the next start reads it again.
            logger.warning("could not read the VM's name", metadata: ["error": "\(error)"])
            return
        }
        logger[metadataKey: "name"] = "\(name)"
        view.withLock { $0.name = name }
    }

    private func handleRecordChanged() async {
        let record: VMRecord
        do {
            guard let read = try await readRecord() else { return }
            record = read
        } catch {
            logger.warning("could not read the VM's keys; acting on the next change", metadata: ["error": "\(error)"])
            return
        }
        await perform(core.onRecord(record, now: time.now))
    }

    /// The keys the table decides on, read together. nil when the VM is gone (being deleted).
    private func readRecord() async throws -> VMRecord? {
        async let stateData = store.text(paths.state)
        async let nodeData = store.text(paths.node)
        async let lastNodeData = store.text(paths.lastNode)
        async let methodData = store.text(paths.migrationMethod)
        async let downtimeData = store.text(paths.maxDowntime)
        async let xmlData = store.text(paths.xml)
        let (stateText, node, lastNode, method, downtime, xml) =
            try await (stateData, nodeData, lastNodeData, methodData, downtimeData, xmlData)
        guard let stateText else { return nil }
        let state = VMState(rawValue: stateText)
        if state == nil, warnedStateText != stateText {
            warnedStateText = stateText
            logger.warning("state key holds a word no node acts on; doing nothing until it changes",
                           metadata: ["state": "\(stateText.prefix(64))"])
        }
        let maxDowntime = downtime.flatMap { Int(String($0.trimmingWhitespace)) }.flatMap { $0 > 0 ? $0 : nil }
        if let downtime, maxDowntime == nil, !downtime.isEmpty {
            logger.warning("migration_max_downtime is not a positive number of milliseconds; using libvirt's default",
                           metadata: ["value": "\(downtime.prefix(64))"])
        }
        view.withLock { view in
            view.node = node ?? ""
            if let xml { view.definedMemoryMiB = DomainXML.memoryMiB(xml) ?? 0 }
        }
        return VMRecord(state: state, node: node ?? "", lastNode: lastNode ?? "",
                        migrationMethod: method ?? "none", maxDowntime: maxDowntime)
    }

    private func handleLibvirtChanged() async {
        let state: DomainState
        do {
            state = try await hypervisor.state(uuid)
        } catch {
            logger.warning("could not read the domain's state from libvirt", metadata: ["error": "\(error)"])
            return
        }
        await local(Self.local(state))
    }

    private func local(_ local: LocalDomain) async {
        let before = core.local
        await perform(core.onLocal(local, now: time.now))
        if local == .running && before != .running { await publishVNC() }
    }

    /// The keepalive's list is exact for running domains; one not in it is asked about before the
    /// core hears of it, since a paused incoming migration is not "absent".
    private func reconcile(running: Bool) async {
        if running {
            if core.local != .running { await local(.running) }
        } else if core.local != .absent {
            await handleLibvirtChanged()
        }
    }

    static func local(_ state: DomainState) -> LocalDomain {
        switch state {
        case .running, .blocked, .shuttingDown: .running
        case .paused, .suspended: .paused
        case .noState, .shutOff, .crashed, .notDefined, .unknown: .absent
        }
    }

    // MARK: Directives

    private func perform(_ directives: [VMDirective]) async {
        for directive in directives {
            switch directive {
            case .note(let text):
                logger.info("\(text)")
            case .createDomain:
                logger.info("starting")
                act { [store, paths, hypervisor, startLocks, logger] in
                    let xml: String
                    let volumes: [String]
                    do {
                        let keys = try await store.texts([paths.xml, paths.volumes])
                        guard let text = keys[paths.xml] else { return .failed("the domain XML is missing") }
                        xml = text
                        volumes = StartLockCheck.volumes(inList: keys[paths.volumes] ?? "")
                    } catch {
                        return .failed("could not read the domain XML: \(error)")
                    }
                    if let startLocks {
                        if let refusal = await startLocks.prepare(volumes: volumes) { return .failed(refusal) }
                    } else if !volumes.isEmpty {
                        logger.warning("storage is off (subsystem.enable_storage): its RBD locks are not checked",
                                       metadata: ["volumes": "\(volumes.joined(separator: ","))"])
                    }
                    do throws(HypervisorError) {
                        _ = try await hypervisor.create(xml: xml)
                        return .started
                    } catch {
                        return .failed(error.libvirtMessage ?? "\(error)")
                    }
                }
            case .shutdownDomain:
                logger.info("shutdown requested")
                act { [hypervisor, uuid] in
                    do {
                        try await hypervisor.shutdown(uuid)
                        return .requested
                    } catch {
                        return .failed("\(error)")
                    }
                }
            case .destroyDomain:
                act { [hypervisor, uuid] in
                    do throws(HypervisorError) {
                        try await hypervisor.destroy(uuid)
                        return .destroyed
                    } catch where error.isNoSuchDomain || error.isOperationInvalid {
                        // Already gone, or not running: the outcome asked for holds.
                        return .destroyed
                    } catch {
                        return .failed("\(error)")
                    }
                }
            case .migrateDomain(let target, let maxDowntime, let attempts):
                startMigration(to: target, maxDowntime: maxDowntime, attempts: attempts)
            case .writeState(let state):
                await write([set(paths.state, state.rawValue)], "state \(state.rawValue)")
            case .writeFailed(let reason):
                logger.error("failed", metadata: ["reason": "\(reason)"])
                await write([set(paths.state, VMState.fail.rawValue), set(paths.failedReason, reason)], "state fail")
            case .clearFailedReason:
                await write([set(paths.failedReason, "")], "failedreason")
                await publishVNC()
            case .abortMigration(let lastNode):
                await write([set(paths.state, VMState.start.rawValue), set(paths.node, node),
                             set(paths.lastNode, lastNode)], "migration abort")
            case .wake(let at):
                wake?.cancel()
                let instant = time.instant(at: at)
                wake = Task { [continuation] in
                    try? await Task.sleep(until: instant, clock: .continuous)
                    if !Task.isCancelled { continuation.yield(.tick) }
                }
            }
        }
    }

    /// Runs a libvirt action beside the queue; its outcome comes back as an event.
    private func act(_ body: @escaping @Sendable () async -> VMActionOutcome) {
        Task { [continuation] in
            continuation.yield(.finished(await body(), nil))
        }
    }

    private func startMigration(to target: String, maxDowntime: Int?, attempts: Int) {
        let migration = MigrationRun(uuid: uuid, node: node, target: target, store: store, hypervisor: hypervisor,
                                     paths: paths, settings: settings, logger: logger)
        let downtime = maxDowntime.map { Duration.milliseconds($0) }
        Task { [continuation] in
            let (outcome, locks) = await migration.run(maxDowntime: downtime, attempts: attempts)
            if case .terminated = continuation.yield(.finished(outcome, locks)) {
                // Nobody will write the outcome: do not keep the VM's keys locked.
                await locks?.release()
            }
        }
    }

    private func write(_ operations: [Operation], _ what: String) async {
        do {
            _ = try await store.multi(operations)
        } catch {
            logger.error("write failed", metadata: ["write": "\(what)", "error": "\(error)"])
        }
    }

    private func set(_ path: String, _ value: String) -> Operation {
        .set(path, data: Array(value.utf8))
    }

    /// PVC's `vnc` key, from the live XML, written when it changed.
    private func publishVNC() async {
        let xml: String
        do {
            guard let live = try await hypervisor.xmlDescription(uuid) else { return }
            xml = live
        } catch {
            logger.warning("could not read the live XML for the vnc key", metadata: ["error": "\(error)"])
            return
        }
        let address = DomainXML.vncAddress(xml)
        guard address != lastVNC else { return }
        lastVNC = address
        await write([set(paths.vnc, address)], "vnc")
    }
}
