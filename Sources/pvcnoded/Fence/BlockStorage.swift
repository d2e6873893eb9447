/// The Ceph side of a fence: freeing the RBD locks a fenced node left on its VMs' volumes
/// (`CephBlockStorage` through librbd; `NoBlockStorage` on a node with storage off).
protocol BlockStorage: Sendable {
    /// Frees every lock on `volumes` (`pool/volume`), whoever holds it: only called once the
    /// holder's power was seen off. A lock that vanished meanwhile is not an error.
    func breakLocks(on volumes: [String], fencedNode: String) async throws
}

/// A node without Ceph: a VM without RBD volumes needs nothing, and one with volumes cannot have
/// its locks freed here, which the evacuation reports for that VM without failing the others.
struct NoBlockStorage: BlockStorage {
    struct Unavailable: Error, CustomStringConvertible {
        var volumes: [String]
        var description: String {
            "no Ceph connection is configured on this node; the RBD locks on \(volumes.joined(separator: ",")) stay"
        }
    }

    func breakLocks(on volumes: [String], fencedNode: String) async throws {
        guard volumes.isEmpty else { throw Unavailable(volumes: volumes) }
    }
}
