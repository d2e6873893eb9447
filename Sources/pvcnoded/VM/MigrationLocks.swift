import Coordination
import Logging

/// The locks a migration source holds from before it re-reads the VM's keys until after it has
/// written the outcome: PVC's exclusive locks on `node` and `state`, and on `migrate_sync_lock`,
/// in Kazoo's naming so PVC's API and daemons contend with us on the same keys. A client's
/// `change_state` (stop, a new migrate) therefore waits until the outcome is written and cannot
/// be overwritten by it.
///
/// Unlike PVC, nobody plays lock ping-pong: the target does not lock anything, it waits for the
/// source's outcome on the state key (PVC's races 3 and 4 came from that handshake).
struct MigrationLocks: Sendable {
    private(set) var leases: [LockLease]
    var logger: Logger

    /// Takes the three locks at once, each bounded by `timeout`. On any failure the ones taken
    /// are released before the error is thrown: an abort never keeps a lock.
    static func acquire(store: any CoordinationStore, paths: VMPaths, holder: String,
                        timeout: Duration, logger: Logger) async throws -> MigrationLocks {
        let lockPaths = [paths.state, paths.node, paths.syncLock]
        let outcomes = await withTaskGroup(of: (Int, Result<LockLease, any Error>).self) { group in
            for (index, path) in lockPaths.enumerated() {
                group.addTask {
                    let lock = CoordinationLock(store: store, path: path, kind: .exclusive, identifier: holder)
                    do {
                        return (index, .success(try await lock.acquire(timeout: timeout)))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            var outcomes: [(Int, Result<LockLease, any Error>)] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes.sorted { $0.0 < $1.0 }.map(\.1)
        }
        var leases: [LockLease] = []
        var failure: (any Error)?
        for outcome in outcomes {
            switch outcome {
            case .success(let lease): leases.append(lease)
            case .failure(let error): failure = failure ?? error
            }
        }
        if let failure {
            await MigrationLocks(leases: leases, logger: logger).release()
            throw failure
        }
        return MigrationLocks(leases: leases, logger: logger)
    }

    /// Bounded by the client's call timeout. A lock whose release fails is logged; it goes with
    /// the session at the latest (its contender node is ephemeral).
    func release() async {
        await withTaskGroup(of: Void.self) { group in
            for lease in leases {
                group.addTask { [logger] in
                    do {
                        try await lease.release()
                    } catch {
                        logger.warning("could not release a migration lock; it ends with the session",
                                       metadata: ["lock": "\(lease.contenderPath)", "error": "\(error)"])
                    }
                }
            }
        }
    }
}
