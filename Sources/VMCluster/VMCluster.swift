import ClusterClient
import ClusterSchema
import Coordination
import Foundation
import Hypervisor
import LocalServices
import TestSupport
import ZooKeeper

/// Three `pvcnoded` (hv1..hv3), each with a root libvirtd of its own (own mount namespace,
/// sockets, TCP port and host UUID), on a fresh chroot of a real ZooKeeper: what the VM tests and
/// pvc-bench's migration and flush figures run on. Every node is a coordinator, in `run` and
/// `ready` before the body gets it.
public final class VMCluster: Sendable {
    public static let nodeNames = ["hv1", "hv2", "hv3"]

    public let hosts: String
    public let chroot: String
    /// A session inside the chroot: the client's writes and the checks' reads.
    public let session: ZooKeeperClient
    public let schema: SchemaVersion
    public let client: ClusterClient
    public let libvirtds: [String: LibvirtDaemon]
    /// Connections of the test's own to each node's libvirtd, to see where guests really run.
    public let hypervisors: [String: LibvirtHypervisor]
    public let fleet: DaemonFleet
    public let options: Options

    public struct Options: Sendable {
        /// keepalive 1 s: the figures target selection reads are at most a second old.
        public var keepaliveSeconds = 1
        /// Test guests have no OS and ignore ACPI: every shutdown runs into this timeout.
        public var shutdownTimeoutSeconds = 3
        public var maxParallel = 4
        public var maxRetries = 3
        public var liveAttempts = 3
        /// Extra lines for the daemons' logs (`debug_logging` etc.), under `logging:`.
        public var logging: [String] = []
        /// A node's lines under `fencing:` (nil: `intervals: fence_intervals: 6`), e.g. its BMC.
        public var fencing: (@Sendable (_ node: String) -> [String])?
        /// The ZooKeeper to run on (a connect string; nil: the process's shared test server).
        public var zooKeeperHosts: String?
        /// Starts a node's daemon in place of `fleet.start(name:config:)`, e.g. inside a network
        /// namespace or with its PID handed to a simulated BMC.
        public var launch: (@Sendable (NodeLaunch) async throws -> Void)?
        /// The Ceph the nodes use (nil: no storage, `subsystem.enable_storage` off, as before).
        /// With one, each node's YAML turns storage on with this cluster's config and keyring, and
        /// each node's libvirtd gets a ceph secret for client.admin (`cephSecretUUID`), so guests
        /// with RBD disks (`define(..., volumes:)`) start. The cluster is the caller's to stop.
        public var ceph: CephCluster?
        /// A node's `storage.client_address` (nil from the closure: the key is left unset). Without
        /// the closure every node says 127.0.0.1, which is what Ceph sees of every client on this
        /// machine (see scripts/ceph.sh): a node given another address finds every lock foreign.
        public var storageAddress: (@Sendable (_ node: String) -> String?)?

        public init() {}
    }

    /// What `Options.launch` gets for one node.
    public struct NodeLaunch: Sendable {
        public let name: String
        /// The node's YAML, for `fleet.start(name:config:...)`.
        public let config: String
        public let fleet: DaemonFleet
        public let libvirtd: LibvirtDaemon
    }

    private init(hosts: String, chroot: String, session: ZooKeeperClient, schema: SchemaVersion,
                 libvirtds: [String: LibvirtDaemon], hypervisors: [String: LibvirtHypervisor], fleet: DaemonFleet,
                 options: Options) {
        self.hosts = hosts
        self.chroot = chroot
        self.session = session
        self.schema = schema
        client = ClusterClient(store: session, schema: schema)
        self.libvirtds = libvirtds
        self.hypervisors = hypervisors
        self.fleet = fleet
        self.options = options
    }

    /// Starts everything, runs `body`, and stops everything however `body` ends (every libvirtd
    /// is also watched by its script, which stops it if this process dies).
    public static func with<T>(_ options: Options = Options(),
                               _ body: (VMCluster) async throws -> T) async throws -> T {
        try LibvirtDaemon.requireRoot()
        // One cluster at a time per process: three libvirtds, their guests and three daemons
        // already fill two cores; suites running side by side would measure the machine's load,
        // not the daemons.
        await ClusterTurn.shared.take()
        defer { Task { await ClusterTurn.shared.give() } }
        let hosts: String
        if let given = options.zooKeeperHosts {
            hosts = given
        } else {
            hosts = try await SharedTestZooKeeper.connectString()
        }
        let chroot = "/vmcluster-\(UUID().uuidString.prefix(8).lowercased())"
        let root = try await ZooKeeperClient.connect(configuration(hosts: hosts, chroot: nil))
        _ = try await root.create(chroot, data: [], mode: .persistent)
        await root.close()
        let session = try await ZooKeeperClient.connect(configuration(hosts: hosts, chroot: chroot))

        var libvirtds: [String: LibvirtDaemon] = [:]
        var hypervisors: [String: LibvirtHypervisor] = [:]
        func stopLibvirt() async {
            for hypervisor in hypervisors.values { await hypervisor.close() }
            for daemon in libvirtds.values { try? await daemon.stop() }
        }
        do {
            try await withThrowingTaskGroup(of: (String, LibvirtDaemon).self) { group in
                for name in nodeNames {
                    group.addTask { (name, try await LibvirtDaemon.start(name: name)) }
                }
                for try await (name, daemon) in group { libvirtds[name] = daemon }
            }
            for (name, daemon) in libvirtds {
                let hypervisor = LibvirtHypervisor(uri: daemon.uri)
                try await hypervisor.connect()
                hypervisors[name] = hypervisor
            }
            if let ceph = options.ceph {
                let key = try cephAdminKey(keyring: ceph.keyringFile)
                for daemon in libvirtds.values {
                    try await defineCephSecret(uri: daemon.uri, uuid: cephSecretUUID, key: key)
                }
            }
        } catch {
            await stopLibvirt()
            await session.close()
            throw error
        }

        do {
            let result = try await withFleet { fleet in
                for name in nodeNames {
                    let config = config(node: name, hosts: hosts, chroot: chroot, libvirtds: libvirtds, options: options)
                    if let launch = options.launch, let libvirtd = libvirtds[name] {
                        try await launch(NodeLaunch(name: name, config: config, fleet: fleet, libvirtd: libvirtd))
                    } else {
                        try fleet.start(name: name, config: config)
                    }
                }
                let schema = try await waitForSchema(session)
                let cluster = VMCluster(hosts: hosts, chroot: chroot, session: session, schema: schema,
                                        libvirtds: libvirtds, hypervisors: hypervisors, fleet: fleet, options: options)
                try await cluster.waitUntilReady()
                return try await body(cluster)
            }
            await stopLibvirt()
            await session.close()
            return result
        } catch {
            await stopLibvirt()
            await session.close()
            throw error
        }
    }

    static func configuration(hosts: String, chroot: String?) -> ZooKeeperClient.Configuration {
        var configuration = ZooKeeperClient.Configuration(hosts: hosts, chroot: chroot)
        configuration.connectTimeout = .seconds(20)
        configuration.sessionTimeout = .seconds(30)
        configuration.callTimeout = .seconds(10)
        return configuration
    }

    /// One node's configuration: its own libvirtd, and every peer's libvirtd as a migration
    /// destination on loopback (the migration data too: each libvirtd listens on its own ports).
    public static func config(node: String, hosts: String, chroot: String, libvirtds: [String: LibvirtDaemon],
                              options: Options) -> String {
        let peers = nodeNames.compactMap { name -> String? in
            guard let daemon = libvirtds[name] else { return nil }
            return """
                \(name):
                  destination_uri: "\(daemon.tcpURI)"
                  migration_uri: "tcp://127.0.0.1"
            """
        }.joined(separator: "\n")
        let logging = options.logging.map { "  \($0)" }.joined(separator: "\n")
        let fencing = (options.fencing?(node) ?? ["intervals:", "  fence_intervals: 6"])
            .map { "  \($0)" }.joined(separator: "\n")
        return base(node: node, hosts: hosts, chroot: chroot, libvirtds: libvirtds, options: options, peers: peers,
                    logging: logging, fencing: fencing) + storageSection(node: node, options: options)
    }

    private static func base(node: String, hosts: String, chroot: String, libvirtds: [String: LibvirtDaemon],
                             options: Options, peers: String, logging: String, fencing: String) -> String {
        """
        node:
          name: \(node)
          libvirt_uri: "\(libvirtds[node]?.uri ?? "")"
        cluster:
          name: vmtest
          coordinator_nodes: [\(nodeNames.joined(separator: ", "))]
        database:
          zookeeper:
            connect: "\(hosts)\(chroot)"
        timer:
          keepalive_interval: \(options.keepaliveSeconds)
          vm_shutdown_timeout: \(options.shutdownTimeoutSeconds)
        fencing:
        \(fencing)
        migration:
          max_parallel: \(options.maxParallel)
          max_retries: \(options.maxRetries)
          live_attempts: \(options.liveAttempts)
          peers:
        \(peers)
        logging:
          debug_logging: false
        \(logging)

        """
    }

    /// The schema the first daemon wrote, seen on a watch of `/schema/version`.
    private static func waitForSchema(_ session: ZooKeeperClient) async throws -> SchemaVersion {
        let catalog = try SchemaCatalog.bundled()
        let versions = session.watchData("/schema/version")
        let found = await withDeadline(.seconds(60)) { () -> SchemaVersion? in
            for await value in versions {
                if let text = value?.text, let version = Int(text), let schema = try? catalog.schema(version) {
                    return schema
                }
            }
            return nil
        }
        guard let schema = found ?? nil else { throw FleetError(description: "no schema version written within 60 s") }
        return schema
    }

    /// Every node in `run`, then made `ready` through the client, as an operator does after
    /// adding nodes (new nodes register `flushed`).
    func waitUntilReady() async throws {
        for name in Self.nodeNames {
            guard try await waitFor("/nodes/\(name)/daemonstate", timeout: .seconds(60), { $0 == "run" }) else {
                throw FleetError(description: "\(name) did not reach run\n\(fleet.logTails())")
            }
        }
        for name in Self.nodeNames {
            _ = try await client.ready(name, wait: true, timeout: .seconds(60))
        }
    }

    // MARK: Observations

    public func value(_ path: String) async -> String? {
        guard let data = try? await session.get(path).data else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Waits, on a watch, until `path`'s value satisfies `predicate`; false after `timeout`.
    public func waitFor(_ path: String, timeout: Duration,
                        _ predicate: @escaping @Sendable (String?) -> Bool) async throws -> Bool {
        let values = session.watchData(path)
        return await withDeadline(timeout) {
            for await value in values where predicate(value.map { String(decoding: $0.data, as: UTF8.self) }) {
                return true
            }
            return false
        } ?? false
    }

    /// The nodes whose libvirtd runs `uuid` now (paused incoming domains not counted).
    public func runningOn(_ uuid: String) async throws -> [String] {
        var nodes: [String] = []
        for name in Self.nodeNames {
            guard let hypervisor = hypervisors[name], let libvirtd = libvirtds[name] else { continue }
            // A libvirtd the test stopped runs nothing (its script destroyed its guests).
            guard LibvirtDaemon.isAlive(pid: libvirtd.pid) else { continue }
            if try await hypervisor.runningDomains().contains(uuid.lowercased()) { nodes.append(name) }
        }
        return nodes
    }

    /// A new TCG guest's XML, defined through the client on `node`. `volumes` (`pool/image`, see
    /// `createImage`) become its RBD disks, and so its `rbdlist`; they need `Options.ceph`.
    public func define(name: String, node: String, method: MigrationMethod? = nil, autostart: Bool = false,
                       limit: [String] = [], memoryMiB: Int = 64, volumes: [String] = []) async throws -> String {
        let disks = try volumes.map { try rbdDisk($0) }
        let guest = TestGuest(name: name, uuid: UUID().uuidString, memoryMiB: memoryMiB, rbdDisks: disks)
        _ = try await client.define(xml: guest.xml, node: node, selector: nil, limit: limit, autostart: autostart,
                                    method: method)
        return guest.uuid
    }

    /// Waits until `uuid`'s state key is `state` (and, if given, `node` is `node`).
    public func waitForState(_ uuid: String, _ state: String, node: String? = nil,
                             timeout: Duration = .seconds(60)) async throws -> Bool {
        let reached = try await waitFor("/domains/\(uuid)/state", timeout: timeout) { $0 == state }
        guard reached, let node else { return reached }
        return await value("/domains/\(uuid)/node") == node
    }

    /// Polls `condition` until it holds or `timeout` passes (for what no single key shows, such
    /// as where libvirt runs a guest).
    public func eventually(timeout: Duration = .seconds(60), interval: Duration = .milliseconds(100),
                           _ condition: @Sendable () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: interval)
        }
        return try await condition()
    }

    public func logTails(_ lines: Int = 40) -> String {
        fleet.logTails(lines)
    }
}

/// A process-wide turn for `VMCluster.with` (and the clusters built on it): FIFO, so no suite
/// waits for ever.
public actor ClusterTurn {
    public static let shared = ClusterTurn()
    private var taken = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    public func take() async {
        guard taken else {
            taken = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    public func give() {
        if waiting.isEmpty {
            taken = false
        } else {
            waiting.removeFirst().resume()
        }
    }
}
