/// One of PVC's `cluster.networks.*` entries (`upstream`, `cluster`, `storage`): the network a floating address lives
/// on. Only `device`, `ipv4.floating_address` and `ipv4.netmask` are required, because they are all it takes to put
/// the address on an interface; the other keys are kept (checked, unused so far) so a `pvc.conf` carries over.
///
/// PVC makes a bridge per network (`brupstream`, ...) and puts the address on it; we put it on `device` itself, so a
/// test node can use the veth it was given and a real node the interface it already has.
public struct ClusterNetworkSettings: Sendable, Equatable {
    /// The network names PVC's `pvc.conf` has, in the order they are read and documented.
    public static let names = ["upstream", "cluster", "storage"]

    /// `device` — required: the interface the floating address is added to (a Linux interface name).
    public var device: String
    /// `ipv4.floating_address` — required: dotted IPv4 text, the address the primary coordinator holds.
    public var floatingAddress: String
    /// `ipv4.netmask` — required: the prefix length (0–32); a dotted netmask such as `255.255.255.0` is accepted and
    /// stored as its prefix length, so the address can be added as `floatingAddress/prefixLength`.
    public var prefixLength: Int
    /// `domain` — default unset: PVC uses it for DNS names. The `cluster` network's domain fills `{cluster_domain}`
    /// in the migration URI templates (`NodeConfiguration.clusterDomain`); the other networks' are not used yet.
    public var domain: String?
    /// `mtu` — default unset, meaning "leave the device's MTU alone". At least 68 when set.
    public var mtu: Int?
    /// `ipv4.network_address` — default unset; when set, the floating and gateway addresses must lie inside it.
    public var networkAddress: String?
    /// `ipv4.gateway_address` — default unset: PVC routes through it on the upstream network; nothing does here yet.
    public var gatewayAddress: String?
    /// `ipv4.node_ip_selection` — default unset: PVC's `by-id` or a fixed IPv4 address for the node's own address;
    /// nothing assigns node addresses here yet.
    public var nodeIPSelection: String?

    public init(
        device: String,
        floatingAddress: String,
        prefixLength: Int,
        domain: String? = nil,
        mtu: Int? = nil,
        networkAddress: String? = nil,
        gatewayAddress: String? = nil,
        nodeIPSelection: String? = nil
    ) {
        self.device = device
        self.floatingAddress = floatingAddress
        self.prefixLength = prefixLength
        self.domain = domain
        self.mtu = mtu
        self.networkAddress = networkAddress
        self.gatewayAddress = gatewayAddress
        self.nodeIPSelection = nodeIPSelection
    }

    /// The floating address as `ip address add` takes it, e.g. `10.0.0.250/24`.
    public var floatingCIDR: String { "\(floatingAddress)/\(prefixLength)" }
}
