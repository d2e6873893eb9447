/// One `migration.peers` entry: how to reach one named node for migrations when the URI templates cannot, because the
/// node has no DNS name on the cluster network, or shares a machine with other nodes (the tests, the demo) and runs
/// its own libvirtd on its own port. The URIs are plain text, used as written: a peer names one node, so there is
/// nothing for `{node}` or `{cluster_domain}` to stand for.
public struct MigrationPeer: Sendable, Equatable {
    /// `migration.peers.<node>.destination_uri` — required: the node's libvirtd, e.g.
    /// `qemu+tcp://127.0.0.1:16510/system`; it replaces `migration.destination_uri` for this node, and a peer without
    /// it would override nothing.
    public var destinationURI: String
    /// `migration.peers.<node>.migration_uri` — default unset: libvirt chooses where the memory copy goes (the host
    /// name the target's libvirtd reports). Not the `migration.migration_uri` template, since a node is listed here
    /// exactly when its templated DNS name does not work. Set it to pin the copy to an address, e.g.
    /// `tcp://10.0.0.2:49152`.
    public var migrationURI: String?

    public init(destinationURI: String, migrationURI: String? = nil) {
        self.destinationURI = destinationURI
        self.migrationURI = migrationURI
    }
}
