import CLibvirt
import DedicatedThreads
import Glibc
import Logging

/// `Hypervisor` over the libvirt C API: `qemu:///system` in production,
/// `qemu+unix:///system?socket=PATH` for a per-node test libvirtd, `test:///default` for fast
/// tests.
///
/// The actor only guards the connection; each call runs on a dedicated thread and the actor is
/// free while it runs, so calls proceed in parallel (libvirt connections are thread-safe). A
/// connection found dead (libvirt's close callback, keepalive, or a failed call) is replaced by
/// a new one at the next call, with the event registrations renewed.
public actor LibvirtHypervisor: Hypervisor {
    public nonisolated let uri: String
    public nonisolated let timeouts: CallTimeouts
    public nonisolated let keepAlive: KeepAlive
    /// How long `migrate` waits, after the call returned, for libvirt's job-completed event.
    public nonisolated let jobCompletionWait: Duration
    private let logger: Logger
    private nonisolated let hub = EventHub()
    private var connection: LibvirtConnection?
    private var connecting: Task<Result<LibvirtConnection, HypervisorError>, Never>?
    private var isClosed = false

    public init(
        uri: String, timeouts: CallTimeouts = .default, keepAlive: KeepAlive = .default,
        jobCompletionWait: Duration = .milliseconds(500),
        logger: Logger = Logger(label: "pvcnoded.hypervisor")
    ) {
        self.uri = uri
        self.timeouts = timeouts
        self.keepAlive = keepAlive
        self.jobCompletionWait = jobCompletionWait
        self.logger = logger
    }

    /// Opens the connection now rather than at the first call, so a wrong URI or a dead libvirtd
    /// shows at start-up.
    public func connect() async throws(HypervisorError) {
        _ = try await liveConnection()
    }

    /// Whether a connection is open and not known to be dead (by libvirt's close callback or a
    /// failed call); no libvirt call is made.
    public var isConnected: Bool { connection?.health.isAlive ?? false }

    /// Closes the connection and ends every event stream; later calls throw `.closed`.
    public func close() {
        isClosed = true
        connection = nil
        hub.finish()
    }

    public nonisolated func lifecycleEvents() -> AsyncStream<LifecycleEvent> {
        hub.subscribe()
    }

    // MARK: Domains

    public func create(xml: String) async throws(HypervisorError) -> String {
        try await perform("virDomainCreateXML", timeouts.lifecycle) { connection in
            guard let domain = virDomainCreateXML(connection, xml, 0) else { return .failure(.last("virDomainCreateXML")) }
            defer { virDomainFree(domain) }
            guard let uuid = domainUUIDString(domain) else { return .failure(.last("virDomainGetUUIDString")) }
            return .success(uuid)
        }
    }

    public func shutdown(_ uuid: String) async throws(HypervisorError) {
        try await perform("virDomainShutdown", timeouts.lifecycle) { connection in
            LibvirtCall.withDomain(connection, uuid) { domain in
                virDomainShutdown(domain) == 0 ? .success(()) : .failure(.last("virDomainShutdown"))
            }
        }
    }

    public func destroy(_ uuid: String) async throws(HypervisorError) {
        try await perform("virDomainDestroy", timeouts.lifecycle) { connection in
            LibvirtCall.withDomain(connection, uuid) { domain in
                virDomainDestroy(domain) == 0 ? .success(()) : .failure(.last("virDomainDestroy"))
            }
        }
    }

    public func state(_ uuid: String) async throws(HypervisorError) -> DomainState {
        try await perform("virDomainGetState", timeouts.query) { connection in
            let result = LibvirtCall.withDomain(connection, uuid) { domain -> Result<DomainState, HypervisorError> in
                var state: Int32 = 0
                var reason: Int32 = 0
                guard virDomainGetState(domain, &state, &reason, 0) == 0 else { return .failure(.last("virDomainGetState")) }
                return .success(DomainState(libvirt: state))
            }
            if case .failure(let error) = result, error.isNoSuchDomain { return .success(.notDefined) }
            return result
        }
    }

    public func info(_ uuid: String) async throws(HypervisorError) -> DomainInfo? {
        try await perform("virDomainGetInfo", timeouts.query) { connection in
            let result = LibvirtCall.withDomain(connection, uuid) { domain -> Result<DomainInfo?, HypervisorError> in
                var info = virDomainInfo()
                guard virDomainGetInfo(domain, &info) == 0 else { return .failure(.last("virDomainGetInfo")) }
                return .success(DomainInfo(
                    state: DomainState(libvirt: Int32(info.state)), maximumMemoryKiB: UInt64(info.maxMem),
                    memoryKiB: UInt64(info.memory), vcpus: Int(info.nrVirtCpu), cpuTimeNanoseconds: UInt64(info.cpuTime)))
            }
            if case .failure(let error) = result, error.isNoSuchDomain { return .success(nil) }
            return result
        }
    }

    public func xmlDescription(_ uuid: String) async throws(HypervisorError) -> String? {
        try await perform("virDomainGetXMLDesc", timeouts.query) { connection in
            let result = LibvirtCall.withDomain(connection, uuid) { domain -> Result<String?, HypervisorError> in
                guard let text = virDomainGetXMLDesc(domain, 0) else { return .failure(.last("virDomainGetXMLDesc")) }
                defer { free(text) }
                return .success(String(cString: text))
            }
            if case .failure(let error) = result, error.isNoSuchDomain { return .success(nil) }
            return result
        }
    }

    public func runningDomains() async throws(HypervisorError) -> [String] {
        try await perform("virConnectListAllDomains", timeouts.query) { connection in
            var domains: UnsafeMutablePointer<virDomainPtr?>?
            let count = virConnectListAllDomains(connection, &domains, VIR_CONNECT_LIST_DOMAINS_RUNNING.rawValue)
            guard count >= 0 else { return .failure(.last("virConnectListAllDomains")) }
            defer { free(domains) }
            var uuids: [String] = []
            for index in 0..<Int(count) {
                guard let domain = domains?[index] else { continue }
                if let uuid = domainUUIDString(domain) { uuids.append(uuid) }
                virDomainFree(domain)
            }
            return .success(uuids.sorted())
        }
    }

    // MARK: Stats

    /// The stats groups read: what PVC's stats JSON and the keepalive need.
    private static let statsGroups: UInt32 =
        VIR_DOMAIN_STATS_STATE.rawValue | VIR_DOMAIN_STATS_CPU_TOTAL.rawValue | VIR_DOMAIN_STATS_BALLOON.rawValue
        | VIR_DOMAIN_STATS_VCPU.rawValue | VIR_DOMAIN_STATS_INTERFACE.rawValue | VIR_DOMAIN_STATS_BLOCK.rawValue

    /// Only active domains, and none busy with a job: PVC's keepalive hung on the memory stats
    /// of a paused incoming migration; NOWAIT skips such a domain's busy groups instead.
    private static let statsFlags: UInt32 =
        VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE.rawValue | VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT.rawValue

    public func stats(_ uuid: String) async throws(HypervisorError) -> DomainStats? {
        try await perform("virDomainListGetStats", timeouts.query) { connection in
            let result = LibvirtCall.withDomain(connection, uuid) { domain -> Result<DomainStats?, HypervisorError> in
                var list: [virDomainPtr?] = [domain, nil]
                var records: UnsafeMutablePointer<virDomainStatsRecordPtr?>?
                let count = list.withUnsafeMutableBufferPointer { buffer in
                    virDomainListGetStats(buffer.baseAddress, Self.statsGroups, &records, Self.statsFlags)
                }
                guard count >= 0 else { return .failure(.last("virDomainListGetStats")) }
                defer { virDomainStatsRecordListFree(records) }
                return .success(Self.decode(records, count: count).first)
            }
            if case .failure(let error) = result, error.isNoSuchDomain { return .success(nil) }
            return result
        }
    }

    public func allStats() async throws(HypervisorError) -> [DomainStats] {
        try await perform("virConnectGetAllDomainStats", timeouts.query) { connection in
            var records: UnsafeMutablePointer<virDomainStatsRecordPtr?>?
            let count = virConnectGetAllDomainStats(connection, Self.statsGroups, &records, Self.statsFlags)
            guard count >= 0 else { return .failure(.last("virConnectGetAllDomainStats")) }
            defer { virDomainStatsRecordListFree(records) }
            return .success(Self.decode(records, count: count))
        }
    }

    private static func decode(_ records: UnsafeMutablePointer<virDomainStatsRecordPtr?>?, count: Int32) -> [DomainStats] {
        guard let records else { return [] }
        var stats: [DomainStats] = []
        for index in 0..<Int(count) {
            guard let record = records[index], let domain = record.pointee.dom else { continue }
            stats.append(DomainStats(
                uuid: domainUUIDString(domain) ?? "", name: virDomainGetName(domain).map { String(cString: $0) } ?? "",
                parameters: TypedParameters(record.pointee.params, count: record.pointee.nparams)))
        }
        return stats.sorted { $0.uuid < $1.uuid }
    }

    // MARK: Migration

    /// Peer-to-peer live migration: the source libvirtd connects to `destinationURI` itself, so
    /// that URI must be reachable from the source daemon (not necessarily from this process).
    /// The domain stays transient: it exists on the destination only, once this returns.
    /// `timeout` nil means `timeouts.migrate`.
    /// On timeout the migration job is asked to abort, which qemu may not honour while it is
    /// still connecting; callers must check both sides before deciding where the domain runs.
    public func migrate(
        _ uuid: String, to destinationURI: String, migrationURI: String?, maxDowntime: Duration?, timeout: Duration?
    ) async throws(HypervisorError) -> MigrationResult {
        let timeout = timeout ?? timeouts.migrate
        let downtimeMilliseconds: UInt64? = maxDowntime.map { UInt64(max(1, Self.milliseconds($0))) }
        let ticket = hub.armJobCompletion(uuid)
        defer { hub.disarmJobCompletion(uuid, ticket: ticket) }
        let started = ContinuousClock.now
        do {
            try await perform("virDomainMigrateToURI3", timeout) { connection in
                LibvirtCall.withDomain(connection, uuid) { domain in
                    Self.migrateBlocking(domain, destinationURI: destinationURI, migrationURI: migrationURI,
                                         maxDowntimeMilliseconds: downtimeMilliseconds)
                }
            }
        } catch {
            if case .timedOut = error {
                logger.warning("migration timed out; aborting its job", metadata: ["uuid": "\(uuid)", "destination": "\(destinationURI)"])
                _ = try? await perform("virDomainAbortJob", timeouts.query) { connection in
                    LibvirtCall.withDomain(connection, uuid) { domain in
                        virDomainAbortJob(domain) == 0 ? .success(()) : .failure(.last("virDomainAbortJob"))
                    }
                }
            }
            throw error
        }
        let callTime = started.duration(to: .now)
        let completion = await hub.awaitJobCompletion(uuid, ticket: ticket, within: jobCompletionWait)
        return MigrationResult(
            libvirtTime: completion?.unsigned(VIR_DOMAIN_JOB_TIME_ELAPSED).map { .milliseconds(Int64(clamping: $0)) },
            downtime: completion?.unsigned(VIR_DOMAIN_JOB_DOWNTIME).map { .milliseconds(Int64(clamping: $0)) },
            memoryBytes: completion?.unsigned(VIR_DOMAIN_JOB_MEMORY_TOTAL),
            callTime: callTime)
    }

    private static func migrateBlocking(
        _ domain: OpaquePointer, destinationURI: String, migrationURI: String?, maxDowntimeMilliseconds: UInt64?
    ) -> Result<Void, HypervisorError> {
        if let maxDowntimeMilliseconds, virDomainMigrateSetMaxDowntime(domain, maxDowntimeMilliseconds, 0) < 0 {
            return .failure(.last("virDomainMigrateSetMaxDowntime"))
        }
        var parameters: virTypedParameterPtr?
        var count: Int32 = 0
        var capacity: Int32 = 0
        defer { virTypedParamsFree(parameters, count) }
        if let migrationURI, virTypedParamsAddString(&parameters, &count, &capacity, VIR_MIGRATE_PARAM_URI, migrationURI) < 0 {
            return .failure(.last("virTypedParamsAddString"))
        }
        let flags = VIR_MIGRATE_LIVE.rawValue | VIR_MIGRATE_PEER2PEER.rawValue
        guard virDomainMigrateToURI3(domain, destinationURI, parameters, UInt32(count), flags) == 0 else {
            return .failure(.last("virDomainMigrateToURI3"))
        }
        return .success(())
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    // MARK: Connection

    /// Runs `body` on a live connection; when the connection turns out to have died before the
    /// call was made, reconnects once and runs it there.
    private func perform<T: Sendable>(
        _ call: String, _ timeout: Duration, _ body: @escaping @Sendable (OpaquePointer) -> Result<T, HypervisorError>
    ) async throws(HypervisorError) -> T {
        for _ in 0..<2 {
            let connection = try await liveConnection()
            switch await LibvirtCall.run(call, on: connection, timeout: timeout, body) {
            case .finished(let result):
                return try result.get()
            case .connectionDead:
                logger.info("libvirt connection is dead; reconnecting", metadata: ["uri": "\(uri)"])
                continue
            }
        }
        throw .libvirt(call: call, code: Int32(VIR_ERR_NO_CONNECT.rawValue), domain: -1,
                       message: "the connection to \(uri) died again right after reconnecting")
    }

    private func liveConnection() async throws(HypervisorError) -> LibvirtConnection {
        guard !isClosed else { throw .closed }
        if let connection {
            if connection.health.isAlive { return connection }
            self.connection = nil
        }
        if let connecting {
            return try await connecting.value.get()
        }
        try LibvirtEventLoop.start()
        let uri = uri
        let hub = hub
        let keepAlive = keepAlive
        let timeout = timeouts.connect
        let task = Task {
            await DedicatedThread.run(timeout: timeout, {
                LibvirtConnection.open(uri: uri, hub: hub, keepAlive: keepAlive)
            }, late: { _ in
                // Nobody waits any more: dropping the late connection closes it.
            }) ?? .failure(.timedOut(call: "virConnectOpen(\(uri))", after: timeout))
        }
        connecting = task
        let result = await task.value
        connecting = nil
        let opened = try result.get()
        guard !isClosed else { throw .closed }
        connection = opened
        logger.debug("connected to libvirt", metadata: ["uri": "\(uri)"])
        return opened
    }
}
