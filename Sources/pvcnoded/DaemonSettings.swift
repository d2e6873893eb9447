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
        self.zookeeper = zookeeper
    }
}
