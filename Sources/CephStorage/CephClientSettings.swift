/// How a node reaches its Ceph cluster. The timeouts default to 5 s because Ceph's own defaults
/// (300 s to mount, forever for mon and OSD operations) would let a dead cluster stall a
/// keepalive or a fence indefinitely.
public struct CephClientSettings: Sendable, Equatable {
    /// A ceph.conf to read; nil reads none (not even /etc/ceph/ceph.conf), so tests and
    /// daemons never pick up a host's stray configuration by accident.
    public var configFile: String?
    /// Set as `keyring`: an explicit keyring also keeps librados quiet on connect failures.
    public var keyringFile: String?
    /// The cephx identity, e.g. `client.admin`.
    public var clientName: String
    /// `host:port` of the monitors; when non-empty it overrides the file's `mon_host`.
    public var monitorHosts: [String]
    /// `client_mount_timeout`: how long `connect` may look for a monitor.
    public var mountTimeout: Duration
    /// `rados_mon_op_timeout`: bound of every monitor command (blocklist, status, pool stats).
    public var monitorTimeout: Duration
    /// `rados_osd_op_timeout`: bound of every OSD operation (image open, lock listing, breaking).
    public var osdTimeout: Duration
    /// Extra `rados_conf_set` options, applied last (e.g. `public_addr` in tests).
    public var options: [String: String]

    public init(
        configFile: String? = nil, keyringFile: String? = nil, clientName: String = "client.admin",
        monitorHosts: [String] = [], mountTimeout: Duration = .seconds(5), monitorTimeout: Duration = .seconds(5),
        osdTimeout: Duration = .seconds(5), options: [String: String] = [:]
    ) {
        self.configFile = configFile
        self.keyringFile = keyringFile
        self.clientName = clientName
        self.monitorHosts = monitorHosts
        self.mountTimeout = mountTimeout
        self.monitorTimeout = monitorTimeout
        self.osdTimeout = osdTimeout
        self.options = options
    }
}
