/// How this node reaches Ceph: PVC's `path.ceph_directory` and `ceph.*` keys for the client files, our `storage.*`
/// keys for what PVC hard-codes or leaves out (timeouts, blocklisting, the node's own client address). Only read
/// when `subsystem.enable_storage` is on: a node without storage never opens a Ceph connection.
public struct StorageSettings: Sendable, Equatable {
    /// `path.ceph_directory` — default `/etc/ceph`, PVC's: where Ceph's packages put the cluster's files.
    public var cephDirectory: String = "/etc/ceph"
    /// `ceph.ceph_config_file` — default `ceph.conf`, PVC's sample; relative names are inside `cephDirectory`.
    public var configFileName: String = "ceph.conf"
    /// `ceph.ceph_keyring_file` — default `ceph.client.admin.keyring`, PVC's sample; relative to `cephDirectory`.
    public var keyringFileName: String = "ceph.client.admin.keyring"
    /// `ceph.monitor_port`, `ceph.secret_uuid`, `ceph.monitor_hosts` — PVC writes them into VM definitions; kept so a
    /// `pvc.conf` carries over, unused by the daemon (it reads the monitors from the config file).
    public var monitorPort: Int? = nil
    public var secretUUID: String? = nil
    public var monitorHosts: [String]? = nil
    /// `storage.client_id` — default `admin`, the id of PVC's keyring (`client.admin`).
    public var clientID: String = "admin"
    /// `storage.client_address` — default: the fixed address of `cluster.networks.storage.ipv4.node_ip_selection`, else
    /// unset. The address this node's Ceph clients (its qemu processes) present: a lock held from it on a VM about to
    /// start here is this node's own, left by a crash, and is freed. Unset, every lock is foreign and refuses the start
    /// (safe, but a crash here then needs `pvcctl vm flush-locks`), and a warning says so at startup.
    public var clientAddress: String? = nil
    /// `storage.blocklist_on_fence` — default true: a fence blocklists the fenced node's Ceph clients before breaking
    /// their locks, Ceph's own guarantee that they can no longer write (PVC breaks the locks only).
    public var blocklistOnFence: Bool = true
    /// `storage.blocklist_expiry` — default 3600 s, Ceph's own default for `osd blocklist add`: each entry names one
    /// client instance (address and nonce), so a restarted node is never caught by it and an hour costs nothing.
    public var blocklistExpiry: Duration = .seconds(3600)
    /// `storage.connect_timeout` — default 5 s (librados' own is 300 s): how long a connection to the monitors may take;
    /// a VM start or a fence waits at most this long for an unreachable Ceph.
    public var connectTimeout: Duration = .seconds(5)
    /// `storage.operation_timeout` — default 5 s (librados' own is forever): the bound of each monitor and OSD request
    /// (lock list, lock break, blocklist). The primary's statistics use 1 s, as PVC.
    public var operationTimeout: Duration = .seconds(5)

    public init() {}

    /// The config file as opened: `configFileName` if absolute, else inside `cephDirectory`.
    public var configFile: String { Self.join(cephDirectory, configFileName) }
    /// The keyring as opened, like `configFile`.
    public var keyringFile: String { Self.join(cephDirectory, keyringFileName) }

    static func join(_ directory: String, _ name: String) -> String {
        if name.hasPrefix("/") { return name }
        return directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
