import CephStorage
import Logging

/// The storage side of a fence, once the victim's power was seen off: its Ceph clients on the
/// VM's volumes (lock holders and watchers) are blocklisted, which is Ceph's own guarantee that
/// they can never write again, and only then are the locks broken so the VM can start elsewhere.
struct CephBlockStorage: BlockStorage {
    let access: CephAccess
    let logger: Logger

    func breakLocks(on volumes: [String], fencedNode: String) async throws {
        guard !volumes.isEmpty else { return }
        let ceph = try await access.open()
        let settings = access.settings
        var images: [(RBDImage, RBDLocks)] = []
        var addresses: Set<String> = []
        for volume in volumes {
            guard let image = RBDImage(parsing: volume) else { throw MalformedVolume(volume: volume) }
            let locks = try await ceph.lockers(of: image)
            images.append((image, locks))
            addresses.formUnion(locks.lockers.map(\.address))
            if settings.blocklistOnFence {
                addresses.formUnion(try await ceph.watchers(of: image).map(\.address))
            }
        }
        if settings.blocklistOnFence {
            for address in addresses.sorted() {
                try await ceph.blocklist(address: address, for: settings.blocklistExpiry)
                logger.notice("blocklisted a Ceph client of the fenced node",
                              metadata: ["node": "\(fencedNode)", "address": "\(address)",
                                         "expiry": "\(settings.blocklistExpiry)"])
            }
        }
        for (image, locks) in images {
            for locker in locks.lockers {
                do throws(CephError) {
                    try await ceph.breakLock(on: image, locker)
                } catch {
                    // Vanished meanwhile (its holder let go): what was wanted.
                    guard error.isNotFound else { throw error }
                }
                logger.notice("broke an RBD lock of the fenced node",
                              metadata: ["node": "\(fencedNode)", "volume": "\(image)", "lock": "\(locker.cookie)",
                                         "address": "\(locker.address)"])
            }
        }
    }

    struct MalformedVolume: Error, CustomStringConvertible {
        var volume: String
        var description: String { "RBD volume \"\(volume)\" in the VM's rbdlist is not pool/volume" }
    }
}
