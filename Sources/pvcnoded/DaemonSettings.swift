import HostNetwork
import Hypervisor
import NodeConfiguration
import NodeCore
import ZooKeeper

/// The part of the configuration the daemon uses today, translated once into the types of the
/// modules it drives.
struct DaemonSettings: Sendable {
    /// Written to `pvcversion`. PVC's tools display it; the suffix tells an operator which
    /// implementation runs on the node.
    static let pvcVersion = "0.9.103-swift"

    var name: String
    var role: NodeRole
    var ipmiHostname: String
    var ipmiUsername: String
    var ipmiPassword: String
    var keepaliveInterval: Duration
    var zookeeper: ZooKeeperClient.Configuration
    /// Where the Prometheus endpoint listens; nil: no endpoint, no open port.
    var metricsAddress: ListenAddress?
    /// `logging.zookeeper_logging`, `node_log_lines`, `log_keepalives`.
    var zookeeperLogging: Bool
    var nodeLogLines: Int
    var logKeepalives: Bool
    /// The primary's floating addresses, per network; empty when none is configured (the node
    /// still takes part in the role, it just moves no address).
    var floatingAddresses: [FloatingNetwork: FloatingAddress] = [:]
    var primaryTimings: PrimaryTimings
    /// `/config/migration_target_selector`, kept current by the primary.
    var migrationTargetSelector: String
    /// The VM runtime's settings; nil when this node runs no VMs.
    var vm: VMRuntimeSettings?
    /// What a coordinator's fencer applies (and the self-fence, `fence.selfFenceIntervals`).
    var fence: FenceSettings
    /// `fencing.ipmi.cipher_suite` for every BMC this node talks to, its own and its victims'.
    var ipmiCipherSuite: Int
    /// `fencing.ipmi.check_interval`; zero: only at startup.
    var ipmiCheckInterval: Duration
    /// How this node reaches Ceph; nil with `subsystem.enable_storage` off (no Ceph connection ever).
    var storage: StorageSettings?
    /// How long a shutting-down primary may take to hand over before the daemon stops anyway:
    /// a successor's name, two bounded steps and the writes around them.
    var primaryShutdownTimeout: Duration {
        .milliseconds(primaryTimings.stepTimeout * 3 + 2_000)
    }

    init(_ configuration: NodeConfiguration) {
        name = configuration.node.name
        role = configuration.mode == .coordinator ? .coordinator : .hypervisor
        ipmiHostname = configuration.ipmiHostname ?? ""
        ipmiUsername = configuration.fencing.ipmi.username ?? ""
        ipmiPassword = configuration.fencing.ipmi.password ?? ""
        keepaliveInterval = configuration.timer.keepaliveInterval
        metricsAddress = configuration.metrics.listenAddress
        zookeeperLogging = configuration.logging.zookeeperLogging
        nodeLogLines = configuration.logging.nodeLogLines
        logKeepalives = configuration.logging.logKeepalives
        let target = ConnectTarget(configuration.zookeeperConnectString)
        var zookeeper = ZooKeeperClient.Configuration(hosts: target.hosts, chroot: target.chroot)
        // Each call fits in one keepalive interval, so a keepalive always ends before the next.
        zookeeper.callTimeout = min(zookeeper.callTimeout, keepaliveInterval)
        // A short first attempt, so an unreachable cluster is reported within seconds and the
        // connector's backoff, not the client, paces the retries.
        zookeeper.connectTimeout = .seconds(5)
        // A crashed node's session must end soon after its peers stop hearing from it: a silent
        // primary's addresses are taken only once its session has ended (`PeerRouter.isGone`).
        // The dead threshold plus 2 s, within 4–10 s (10 s at PVC's defaults, 5 s for a 1 s × 3
        // test cluster): never shorter than a ZooKeeper leader election needs.
        let intervals = configuration.fencing.fenceIntervals > 0 ? configuration.fencing.fenceIntervals : 6
        let threshold = keepaliveInterval * intervals
        zookeeper.sessionTimeout = min(zookeeper.sessionTimeout, max(.seconds(4), threshold + .seconds(2)))
        self.zookeeper = zookeeper
        var timings = PrimaryTimings()
        // PVC's dead-node rule; with fencing disabled (0 intervals) still six, never "at once".
        timings.deadAfter = max(1, Int((keepaliveInterval * intervals).components.seconds))
        // Half the session timeout: a leader election passes, a real outage drops the role long
        // before the server expires the session or a peer may take over.
        timings.suspendedBound = Int(zookeeper.sessionTimeout.components.seconds * 500)
        primaryTimings = timings
        let fencing = configuration.fencing
        fence = FenceSettings(
            keepaliveInterval: keepaliveInterval.wholeMilliseconds, fenceIntervals: fencing.fenceIntervals,
            savingThrows: fencing.savingThrows,
            successfulFence: fencing.successfulFence == .migrate ? .migrate : .none,
            failedFence: fencing.failedFence == .migrate ? .migrate : .none,
            selfFenceIntervals: fencing.suicideIntervals, disableOnIPMIFailure: fencing.disableOnIPMIFailure)
        ipmiCipherSuite = fencing.ipmi.cipherSuite
        ipmiCheckInterval = fencing.ipmi.checkInterval
        migrationTargetSelector = configuration.migration.targetSelector.rawValue
        vm = Self.vmSettings(configuration)
        storage = configuration.subsystem.enableStorage ? configuration.storage : nil
        for (name, network) in configuration.networks {
            // The configuration validated both already; a failure here would be a bug, and the
            // node then simply moves no address for that network (logged at start).
            guard let floating = FloatingNetwork(rawValue: name),
                  let address = try? FloatingAddress(address: network.floatingAddress,
                                                     prefixLength: network.prefixLength, device: network.device)
            else { continue }
            floatingAddresses[floating] = address
        }
    }

    static func vmSettings(_ configuration: NodeConfiguration) -> VMRuntimeSettings? {
        guard configuration.subsystem.enableHypervisor else { return nil }
        // The configuration checked both templates already; the defaults are valid.
        guard let destination = try? URITemplate(configuration.migration.destinationURI),
              let migration = try? URITemplate(configuration.migration.migrationURI)
        else { return nil }
        var peers: [String: VMRuntimeSettings.MigrationPeerURIs] = [:]
        for (name, peer) in configuration.migration.peers {
            peers[name] = VMRuntimeSettings.MigrationPeerURIs(destination: peer.destinationURI, migration: peer.migrationURI)
        }
        return VMRuntimeSettings(
            libvirtURI: configuration.node.libvirtURI, shutdownTimeout: configuration.timer.vmShutdownTimeout,
            liveAttempts: configuration.migration.liveAttempts, destinationURI: destination, migrationURI: migration,
            peers: peers, clusterDomain: configuration.clusterDomain,
            consoleLogDirectory: configuration.paths.consoleLogDirectory,
            consoleLogLines: configuration.logging.consoleLogLines,
            maxParallel: configuration.migration.maxParallel, maxRetries: configuration.migration.maxRetries)
    }
}
