import CephStorage
import Logging
import NodeCore

/// PVC's lock check before a VM starts on this node (pvc-node-daemon.md §9), through librbd: this
/// node's own stale locks are freed, anyone else's refuses the start. Unlike PVC, a volume whose
/// locks cannot be read refuses the start too: a start on a guess could put the VM on two hosts.
struct StartLocks: Sendable {
    let access: CephAccess
    let logger: Logger

    /// nil: start; otherwise the `failedreason` the VM fails with, nothing started.
    func prepare(volumes: [String]) async -> String? {
        guard !volumes.isEmpty else { return nil }
        let ownAddress = access.settings.clientAddress
        var found: [(VolumeLock, RBDImage, RBDLocker)] = []
        do throws(CephError) {
            let ceph = try await access.open()
            for volume in volumes {
                guard let image = RBDImage(parsing: volume) else {
                    return "RBD volume \"\(volume)\" in the VM's rbdlist is not pool/volume; not started"
                }
                for locker in try await ceph.lockers(of: image).lockers {
                    let lock = VolumeLock(volume: volume, cookie: locker.cookie, client: locker.client, host: locker.host)
                    found.append((lock, image, locker))
                }
            }
            switch StartLockCheck.verdict(locks: found.map(\.0), ownAddress: ownAddress) {
            case .refuse(let reason):
                logger.error("not started: an RBD lock is held from another address",
                             metadata: ["reason": "\(reason)", "own_address": "\(ownAddress ?? "unset")"])
                return reason
            case .free:
                for (lock, image, locker) in found {
                    do throws(CephError) {
                        try await ceph.breakLock(on: image, locker)
                    } catch {
                        // Gone meanwhile: what was wanted.
                        guard error.isNotFound else { throw error }
                    }
                    logger.notice("freed a stale RBD lock held from this node (left by a crash here)",
                                  metadata: ["volume": "\(lock.volume)", "lock": "\(lock.cookie)", "client": "\(lock.client)"])
                }
                return nil
            }
        } catch {
            logger.error("not started: the RBD locks could not be checked", metadata: ["error": "\(error)"])
            return "Could not check the RBD locks on \(volumes.joined(separator: ",")): \(error); not started"
        }
    }
}
