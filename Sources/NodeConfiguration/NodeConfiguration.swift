/// Every setting pvcnoded reads, checked and defaulted, so nothing after start-up has to wonder whether a value is
/// present or sane. Key names in the comments are the YAML keys; they follow PVC's `pvc.conf` wherever the meaning is
/// the same, so an operator can carry values over from a PVC cluster.
///
/// A default stated here is the value the parser uses when the key is absent (or `null`); `pvcnoded.yaml.sample`
/// repeats each one with the same reason, and a test checks the two agree.
public struct NodeConfiguration: Sendable, Equatable {
    public var node: NodeSettings
    public var cluster: ClusterSettings
    public var zookeeper: ZooKeeperSettings
    public var paths: PathSettings
    public var timer: TimerSettings
    public var fencing: FencingSettings
    public var migration: MigrationSettings
    public var logging: LoggingSettings
    public var guestNetworking: GuestNetworkingSettings
    public var metrics: MetricsSettings
    /// `cluster.networks.*`, keyed by PVC's network name (`upstream`, `cluster`, `storage`; see
    /// `ClusterNetworkSettings.names`) — default empty: a network that is not configured has no floating address, which
    /// is what the demo and most tests want. Kept beside `cluster` rather than inside it because device names are each
    /// node's own, while `ClusterSettings` is what every node must agree on.
    public var networks: [String: ClusterNetworkSettings]
    public var subsystem: SubsystemSettings
    public var storage: StorageSettings

    public init(
        node: NodeSettings,
        cluster: ClusterSettings,
        zookeeper: ZooKeeperSettings = ZooKeeperSettings(),
        paths: PathSettings = PathSettings(),
        timer: TimerSettings = TimerSettings(),
        fencing: FencingSettings = FencingSettings(),
        migration: MigrationSettings = MigrationSettings(),
        logging: LoggingSettings = LoggingSettings(),
        guestNetworking: GuestNetworkingSettings = GuestNetworkingSettings(),
        metrics: MetricsSettings = MetricsSettings(),
        networks: [String: ClusterNetworkSettings] = [:],
        subsystem: SubsystemSettings = SubsystemSettings(),
        storage: StorageSettings = StorageSettings()
    ) {
        self.node = node
        self.cluster = cluster
        self.zookeeper = zookeeper
        self.paths = paths
        self.timer = timer
        self.fencing = fencing
        self.migration = migration
        self.logging = logging
        self.guestNetworking = guestNetworking
        self.metrics = metrics
        self.networks = networks
        self.subsystem = subsystem
        self.storage = storage
    }

    /// Derived rather than configured, exactly as PVC does: a separate "mode" key could contradict the coordinator
    /// list every other node reads, and the list is what decides who may become primary.
    public var mode: DaemonMode {
        cluster.coordinatorNodes.contains(node.name) ? .coordinator : .hypervisor
    }

    /// The ZooKeeper connect string actually used: the explicit one, or PVC's implicit choice of every coordinator on
    /// the ZooKeeper port (PVC runs ZooKeeper on exactly the coordinators).
    public var zookeeperConnectString: String {
        if let connect = zookeeper.connect { return connect }
        return cluster.coordinatorNodes.map { "\($0):\(zookeeper.port)" }.joined(separator: ",")
    }

    /// PVC's node number: the last run of digits in the node name (`hv12` → 12, none → 0). It fills `{node_id}` in the
    /// IPMI hostname, so one shared config file serves every node.
    public var nodeID: Int { NodeSettings.nodeID(of: node.name) }

    /// The IPMI host other nodes will use to fence this one, with `{node_id}` substituted as PVC does.
    public var ipmiHostname: String? {
        fencing.ipmi.hostname.map { Self.substitute("{node_id}", with: String(nodeID), in: $0) }
    }

    /// `cluster.networks.cluster.domain`: what `{cluster_domain}` becomes in `migration.destination_uri` and
    /// `migration.migration_uri`, as PVC names nodes on the cluster network. Nil when the cluster network or its
    /// domain is not configured; migrations then work only to nodes with a `migration.peers` entry (a warning at
    /// load says so).
    public var clusterDomain: String? { networks["cluster"]?.domain }

    /// PVC's file-logging location: one file per daemon in the system log directory.
    public var logFilePath: String {
        Self.appendingPathComponent("pvcnoded.log", to: paths.systemLogDirectory)
    }

    /// Every occurrence of `placeholder`, left to right, as Foundation's `replacingOccurrences` did.
    static func substitute(_ placeholder: String, with replacement: String, in template: String) -> String {
        guard !placeholder.isEmpty else { return template }
        var result = ""
        var rest = Substring(template)
        while !rest.isEmpty {
            if rest.hasPrefix(placeholder) {
                result += replacement
                rest = rest.dropFirst(placeholder.count)
            } else if let first = rest.first {
                result.append(first)
                rest = rest.dropFirst()
            }
        }
        return result
    }

    /// As `NSString.appendingPathComponent` joined them: one `/` between, however many the directory ends with.
    static func appendingPathComponent(_ component: String, to directory: String) -> String {
        guard !directory.isEmpty else { return component }
        var trimmed = Substring(directory)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        return trimmed == "/" ? "/" + component : trimmed + "/" + component
    }
}

/// `node.*` — not in PVC's `pvc.conf` (PVC is one node per machine and uses the hostname); we need it so several
/// nodes can run on one machine for the demo and the tests.
public struct NodeSettings: Sendable, Equatable {
    /// `node.name` — default: the short hostname (up to the first dot), PVC's node name, so a real one-node-per-host
    /// deployment needs no setting at all.
    public var name: String
    /// `node.libvirt_uri` — default `qemu:///system`: the URI PVC hard-codes; a test node can point at `test:///default`.
    public var libvirtURI: String = NodeSettings.defaultLibvirtURI

    public static let defaultLibvirtURI = "qemu:///system"

    public init(name: String, libvirtURI: String = NodeSettings.defaultLibvirtURI) {
        self.name = name
        self.libvirtURI = libvirtURI
    }

    static func nodeID(of name: String) -> Int {
        var lastRun = ""
        var current = ""
        for character in name {
            if character.isASCII && character.isNumber {
                current.append(character)
            } else {
                if !current.isEmpty { lastRun = current }
                current = ""
            }
        }
        if !current.isEmpty { lastRun = current }
        return Int(lastRun) ?? 0
    }
}

/// `cluster.*`
public struct ClusterSettings: Sendable, Equatable {
    /// `cluster.name` — required, no default: PVC requires it, and a guessed name could join the wrong cluster's
    /// bookkeeping.
    public var name: String
    /// `cluster.coordinator_nodes` — required, non-empty: it decides the daemon mode and the default ZooKeeper hosts,
    /// and guessing either is unsafe.
    public var coordinatorNodes: [String]
    /// `cluster.all_nodes` — default empty: PVC requires it but its node daemon never reads it; accepted so a
    /// `pvc.conf` carries over without a warning.
    public var allNodes: [String] = []

    public init(name: String, coordinatorNodes: [String], allNodes: [String] = []) {
        self.name = name
        self.coordinatorNodes = coordinatorNodes
        self.allNodes = allNodes
    }
}

/// `database.zookeeper.*`
public struct ZooKeeperSettings: Sendable, Equatable {
    /// `database.zookeeper.port` — default 2181, ZooKeeper's standard client port and PVC's.
    public var port: Int = 2181
    /// `database.zookeeper.connect` — default: unset, meaning every coordinator on `port`, as PVC connects. Set it
    /// when ZooKeeper is elsewhere, e.g. one local server for several nodes on one machine.
    public var connect: String? = nil

    public init(port: Int = 2181, connect: String? = nil) {
        self.port = port
        self.connect = connect
    }
}

/// `path.*` — the per-node directories. Several nodes on one machine must give each its own.
public struct PathSettings: Sendable, Equatable {
    /// `path.dynamic_directory` — default `/run/pvc`, PVC's sample value: runtime state that must not survive a
    /// reboot.
    public var dynamicDirectory: String = "/run/pvc"
    /// `path.system_log_directory` — default `/var/log/pvc`, PVC's sample value; `pvcnoded.log` goes here when file
    /// logging is on.
    public var systemLogDirectory: String = "/var/log/pvc"
    /// `path.console_log_directory` — default `/var/log/libvirt`, PVC's sample value: where libvirt writes the VM
    /// consoles that the daemon tails.
    public var consoleLogDirectory: String = "/var/log/libvirt"

    public init(
        dynamicDirectory: String = "/run/pvc",
        systemLogDirectory: String = "/var/log/pvc",
        consoleLogDirectory: String = "/var/log/libvirt"
    ) {
        self.dynamicDirectory = dynamicDirectory
        self.systemLogDirectory = systemLogDirectory
        self.consoleLogDirectory = consoleLogDirectory
    }
}

/// `timer.*` — durations in seconds; fractions are allowed so tests can run fast clusters.
public struct TimerSettings: Sendable, Equatable {
    /// `timer.keepalive_interval` — default 5 s, PVC's: other nodes judge liveness by it (dead after
    /// `keepalive_interval × fence_intervals`), so every node of a cluster must agree on it.
    public var keepaliveInterval: Duration = .seconds(5)
    /// `timer.vm_shutdown_timeout` — default 180 s, PVC's: a guest gets this long to shut down cleanly before it is
    /// forced off.
    public var vmShutdownTimeout: Duration = .seconds(180)
    /// `timer.monitoring_interval` — default 15 s, PVC's: the health checks' period (shared `pvc.conf` key).
    public var monitoringInterval: Duration = .seconds(15)

    public init(
        keepaliveInterval: Duration = .seconds(5),
        vmShutdownTimeout: Duration = .seconds(180),
        monitoringInterval: Duration = .seconds(15)
    ) {
        self.keepaliveInterval = keepaliveInterval
        self.vmShutdownTimeout = vmShutdownTimeout
        self.monitoringInterval = monitoringInterval
    }
}

/// `fencing.*`
public struct FencingSettings: Sendable, Equatable {
    /// `fencing.intervals.fence_intervals` — default 6, PVC's: a node silent for 6 keepalives (30 s) is marked dead.
    /// 0 disables dead-marking, which is what PVC documents (PVC's code instead marks nodes dead at once).
    public var fenceIntervals: Int = 6
    /// `fencing.intervals.saving_throws` — default 6, PVC's hard-coded count: a node marked dead gets this many
    /// intervals to check in again before its power is cut (raised from 3 after nodes were fenced while starting).
    public var savingThrows: Int = 6
    /// `fencing.intervals.suicide_interval` (also `suicide_intervals`) — default 0 (off, PVC's). A node that cannot
    /// complete a keepalive for this many intervals destroys its own running VMs (self-fence); it must be below
    /// `fence_intervals`, so that it happens before peers can declare the node dead. PVC never implemented it.
    public var suicideIntervals: Int = 0
    /// `fencing.actions.successful_fence` — default `none`, PVC's code default: moving VMs is an operator's choice.
    public var successfulFence: FenceAction = .none
    /// `fencing.actions.failed_fence` — default `none`, PVC's: after a failed fence the node may still run its VMs, so
    /// starting them elsewhere risks two writers on one disk.
    public var failedFence: FenceAction = .none
    /// `fencing.disable_on_ipmi_failure` — default false, PVC's (which requires the key and never reads it). When true,
    /// a node whose own BMC check failed is not power-fenced automatically (it stays `dead` for an operator).
    public var disableOnIPMIFailure: Bool = false
    /// `fencing.ipmi.*`
    public var ipmi: IPMISettings = IPMISettings()

    /// PVC documents 0 as "no fencing"; keeping that in one place stops callers re-deriving it differently.
    public var isEnabled: Bool { fenceIntervals > 0 }

    public init(
        fenceIntervals: Int = 6,
        savingThrows: Int = 6,
        suicideIntervals: Int = 0,
        successfulFence: FenceAction = .none,
        failedFence: FenceAction = .none,
        disableOnIPMIFailure: Bool = false,
        ipmi: IPMISettings = IPMISettings()
    ) {
        self.fenceIntervals = fenceIntervals
        self.savingThrows = savingThrows
        self.suicideIntervals = suicideIntervals
        self.successfulFence = successfulFence
        self.failedFence = failedFence
        self.disableOnIPMIFailure = disableOnIPMIFailure
        self.ipmi = ipmi
    }
}

/// `fencing.ipmi.*` — this node's own BMC, published so that peers can fence it. PVC requires all three; we default
/// to unset so test clusters without BMCs start, and the daemon reports "this node cannot be fenced".
public struct IPMISettings: Sendable, Equatable {
    /// `fencing.ipmi.hostname` — default unset; `{node_id}` is replaced by the node number.
    public var hostname: String? = nil
    /// `fencing.ipmi.username` — default unset.
    public var username: String? = nil
    /// `fencing.ipmi.password` — default unset.
    public var password: String? = nil
    /// `fencing.ipmi.cipher_suite` — default 3 (RAKP-HMAC-SHA1, what `ipmitool -I lanplus` negotiates with most BMCs and
    /// the simulator); 17 for BMCs that require SHA-256.
    public var cipherSuite: Int = 3
    /// `fencing.ipmi.check_interval` — default 60 s: how often this node checks its own BMC and publishes the result, so
    /// an operator learns of a broken BMC before a fence needs it. 0 = at startup only.
    public var checkInterval: Duration = .seconds(60)

    public init(hostname: String? = nil, username: String? = nil, password: String? = nil) {
        self.hostname = hostname
        self.username = username
        self.password = password
    }
}

/// `migration.*`
public struct MigrationSettings: Sendable, Equatable {
    /// `migration.target_selector` — default `mem`, PVC's: most free memory is the safest single guess for where a
    /// VM fits.
    public var targetSelector: MigrationTargetSelector = .mem
    /// `migration.max_parallel` — default 4 (1 or more): how many migrations a flush or a ready runs at once. PVC
    /// moves one VM at a time, which makes flushing a full node slow; a few at once finish sooner without letting
    /// every guest's memory copy compete for one link.
    public var maxParallel: Int = 4
    /// `migration.max_retries` — default 3 (1 or more): how many times a flush tries to move one VM — attempts in
    /// all, so 1 means no retry — before reporting it failed. Ours (PVC gives up on a VM at once): one passing
    /// failure (a busy target, a brief network drop) should not fail a flush, while a VM that fails three times has a
    /// problem that trying again will not fix, and the flush should say so rather than hold on to it.
    public var maxRetries: Int = 3
    /// `migration.live_attempts` — default 3 (1 or more), PVC's: live attempts within one migration before it falls
    /// back to shutdown and a cold start on the target (or, when live migration is required, is given up).
    public var liveAttempts: Int = 3
    /// `migration.destination_uri` — default `qemu+tcp://{node}.{cluster_domain}/system`, the URI PVC hard-codes: the
    /// target node's libvirtd. A template: `{node}` is the target node's name, `{cluster_domain}` is
    /// `cluster.networks.cluster.domain` (`NodeConfiguration.clusterDomain`); no other placeholder, and every `{` has
    /// its `}`. Kept as text, checked at load by the same rules as the hypervisor's `URITemplate`.
    public var destinationURI: String = MigrationSettings.defaultDestinationURI
    /// `migration.migration_uri` — default `tcp://{node}.{cluster_domain}`, PVC's: giving libvirt the target's name on
    /// the cluster network forces the memory copy over that network rather than whichever one the target's host name
    /// resolves to. A template with the same placeholders and rules as `destinationURI`.
    public var migrationURI: String = MigrationSettings.defaultMigrationURI
    /// `migration.peers` — default empty: per-node overrides of both templates, keyed by node name, for nodes that
    /// have no DNS name on the cluster network, or several nodes on one machine (the tests, the demo), each with its
    /// own libvirtd on its own port. A node without an entry uses the templates.
    public var peers: [String: MigrationPeer] = [:]

    /// PVC's hard-coded destination (`qemu+tcp://<target>.<cluster_domain>/system`), as a template.
    public static let defaultDestinationURI = "qemu+tcp://{node}.{cluster_domain}/system"
    /// PVC's hard-coded migration URI (`tcp://<target>.<cluster_domain>`), as a template.
    public static let defaultMigrationURI = "tcp://{node}.{cluster_domain}"
    /// The placeholders `destinationURI` and `migrationURI` may use, as the hypervisor's `URITemplate` accepts them.
    public static let uriPlaceholders: Set<String> = ["node", "cluster_domain"]

    public init(
        targetSelector: MigrationTargetSelector = .mem,
        maxParallel: Int = 4,
        maxRetries: Int = 3,
        liveAttempts: Int = 3,
        destinationURI: String = MigrationSettings.defaultDestinationURI,
        migrationURI: String = MigrationSettings.defaultMigrationURI,
        peers: [String: MigrationPeer] = [:]
    ) {
        self.targetSelector = targetSelector
        self.maxParallel = maxParallel
        self.maxRetries = maxRetries
        self.liveAttempts = liveAttempts
        self.destinationURI = destinationURI
        self.migrationURI = migrationURI
        self.peers = peers
    }
}

/// `subsystem.*` — PVC's switches for the parts of the node daemon; the hypervisor's and storage's are read here.
public struct SubsystemSettings: Sendable, Equatable {
    /// `subsystem.enable_hypervisor` — default true, PVC's: a node exists to run VMs. False skips the VM runtime
    /// (no libvirt connection, no VMs started or received), for a coordinator that only coordinates.
    public var enableHypervisor: Bool = true
    /// `subsystem.enable_storage` — default **false** (PVC: true, and its sample sets it explicitly): with it on, the
    /// node talks to Ceph (`storage.*`) to free RBD locks before a start and on a fence, and the primary publishes
    /// Ceph's figures. A node without Ceph must not wait on one at every VM start, so it is the operator's choice.
    public var enableStorage: Bool = false

    public init(enableHypervisor: Bool = true, enableStorage: Bool = false) {
        self.enableHypervisor = enableHypervisor
        self.enableStorage = enableStorage
    }
}

/// `logging.*`
public struct LoggingSettings: Sendable, Equatable {
    /// `logging.debug_logging` — default false, PVC's: debug lines are for diagnosis, not daily running.
    public var debugLogging: Bool = false
    /// `logging.file_logging` — default false, PVC's: the journal already keeps stdout.
    public var fileLogging: Bool = false
    /// `logging.stdout_logging` — default **true** (PVC: false, but its sample and every install turn it on): with all
    /// outputs off the daemon would be silent.
    public var stdoutLogging: Bool = true
    /// `logging.zookeeper_logging` — default false, PVC's: each line costs ZooKeeper writes.
    public var zookeeperLogging: Bool = false
    /// `logging.log_colours` — default false, PVC's: colour codes clutter the journal.
    public var logColours: Bool = false
    /// `logging.log_dates` — default false, PVC's: the journal timestamps lines itself.
    public var logDates: Bool = false
    /// `logging.log_keepalives` — default false, PVC's: one line per node every 5 s floods logs.
    public var logKeepalives: Bool = false
    /// `logging.log_cluster_details` — default false, PVC's: extra keepalive detail.
    public var logClusterDetails: Bool = false
    /// `logging.log_monitoring_details` — default false, PVC's: extra health-check detail.
    public var logMonitoringDetails: Bool = false
    /// `logging.console_log_lines` — default 1000, PVC's sample value (PVC's code default `False` means 0, which keeps
    /// no console at all).
    public var consoleLogLines: Int = 1000
    /// `logging.node_log_lines` — default 2000, PVC's sample value (same code-default problem as above).
    public var nodeLogLines: Int = 2000

    public init() {}
}

/// `guest_networking.*` — only the SR-IOV and bridge keys; VM networking itself arrives in a later issue.
public struct GuestNetworkingSettings: Sendable, Equatable {
    /// `guest_networking.bridge_device` — default unset: PVC requires it, but nothing uses it before VM networking.
    public var bridgeDevice: String? = nil
    /// `guest_networking.bridge_mtu` — default unset, meaning "the device's current MTU", as PVC.
    public var bridgeMTU: Int? = nil
    /// `guest_networking.sriov_enable` — default false, PVC's: SR-IOV needs hardware support.
    public var sriovEnable: Bool = false
    /// `guest_networking.sriov_device` — default empty, PVC's.
    public var sriovDevices: [SRIOVDevice] = []

    public init(
        bridgeDevice: String? = nil,
        bridgeMTU: Int? = nil,
        sriovEnable: Bool = false,
        sriovDevices: [SRIOVDevice] = []
    ) {
        self.bridgeDevice = bridgeDevice
        self.bridgeMTU = bridgeMTU
        self.sriovEnable = sriovEnable
        self.sriovDevices = sriovDevices
    }
}

/// `metrics.*` — ours; PVC has no per-node metrics endpoint.
public struct MetricsSettings: Sendable, Equatable {
    /// `metrics.listen_address` (`host:port`) — default unset (off): an open port is a choice the operator makes.
    public var listenAddress: ListenAddress? = nil

    public init(listenAddress: ListenAddress? = nil) {
        self.listenAddress = listenAddress
    }
}
