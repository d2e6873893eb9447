import Coordination
@testable import ClusterSchema

/// A cluster tree at some schema version with a few items of each kind, and the list of item roots
/// it made, against which "no key outside its item" is checked.
struct PopulatedCluster {
    let server = InMemoryCoordination()
    let store: InMemorySession
    /// Paths present before anything was written (ZooKeeper's own nodes).
    let preexisting: Set<String>
    private(set) var itemRoots: Set<String> = []

    init() {
        preexisting = Set(server.dump().keys)
        store = server.connect()
    }

    /// Version-0 items: nodes, VMs, a network with a reservation, a lease and rules, OSDs, a pool,
    /// a volume and a snapshot. Sub-items are created after `apply` made their parent keys.
    mutating func populateVersion0(_ schema: SchemaVersion) async throws {
        try await schema.apply(to: store)
        try await addItems(["/nodes/hv1", "/nodes/hv2", "/domains/u1", "/domains/u2", "/networks/100",
                            "/ceph/osds/0", "/ceph/osds/1", "/ceph/pools/vms"])
        // PVC makes the per-pool level when it adds the pool; it is not an item of its own.
        _ = try await store.create("/ceph/volumes/vms", data: [], mode: .persistent)
        _ = try await store.create("/ceph/snapshots/vms", data: [], mode: .persistent)
        _ = try await store.create("/ceph/snapshots/vms/disk0", data: [], mode: .persistent)
        try await addItems(["/ceph/volumes/vms/disk0", "/ceph/snapshots/vms/disk0/s1"])
        try await schema.apply(to: store)
        try await addItems(["/networks/100/dhcp4_reservations/52:54:00:00:00:01",
                            "/networks/100/dhcp4_leases/52:54:00:00:00:02",
                            "/networks/100/firewall_rules/in/allow-ssh",
                            "/networks/100/firewall_rules/out/allow-all"])
        try await schema.apply(to: store)
        _ = try await store.set("/nodes/hv1/keepalive", data: Array("1700000000".utf8))
    }

    /// Items only the latest versions know: an SR-IOV PF and VF, a tag, a VM snapshot, a
    /// monitoring plugin's data, a node log and a fault.
    mutating func populateVersion15(_ schema: SchemaVersion) async throws {
        try await addItems(["/nodes/hv1/sriov/pf/ens1f1", "/nodes/hv1/sriov/vf/ens1f1v3", "/domains/u1/tags/web",
                            "/domains/u1/snapshots/daily", "/nodes/hv2/monitoring_data/disk", "/logs/hv1",
                            "/faults/f1"])
        try await schema.apply(to: store)
    }

    private mutating func addItems(_ roots: [String]) async throws {
        for root in roots {
            _ = try await store.create(root, data: [], mode: .persistent)
            itemRoots.insert(root)
        }
    }

    /// The paths of the cluster's own tree.
    var paths: Set<String> { Set(server.dump().keys).subtracting(preexisting) }

    /// Paths that are neither a base key of `schema`, nor an item root or below one, nor one of
    /// the levels leading to an item root (`/ceph/volumes/vms`). Our extension's base keys are
    /// base keys too.
    func strayPaths(_ schema: SchemaVersion) -> [String] {
        let base = Set((schema.extended(SchemaVersion.baseGroup) ?? schema.base).keys.values.filter { !$0.isEmpty })
        return paths.filter { path in
            if base.contains(path) { return false }
            return !itemRoots.contains { root in
                path == root || path.hasPrefix(root + "/") || root.hasPrefix(path + "/")
            }
        }.sorted()
    }
}
