import Coordination
import NodeCore

extension ClusterClient {
    /// PVC's `change_state` and the locked writes of `migrate_vm`/`move_vm`/`unmigrate_vm`: the
    /// exclusive (Kazoo `Lock`) lock on `/domains/U/state`, then `pairs` in one multi, then the
    /// lock is released.
    ///
    /// `body` runs under the lock and returns the pairs to write (or nil to write nothing), so
    /// that the preconditions are checked against what holds while the lock is ours: a node
    /// migrating the VM holds the same lock for the whole migration.
    ///
    /// PVC sleeps 0.5 s holding the lock "to let nodes see it". We release right after the write:
    /// daemons react to the watch on `state`, not to the lock, and the migration source takes
    /// this lock only to keep clients out while it migrates, which a released lock does not
    /// hinder.
    func underStateLock<T: Sendable>(
        _ vm: VMIdentity,
        _ body: () async throws -> (pairs: [KeyValue], result: T)
    ) async throws -> T {
        let statePath = try path("domain.state", vm.uuid)
        guard try await store.exists(statePath) != nil else {
            // The lock's contender would be created under it, and a missing state is a VM
            // that is not (or no longer) fully defined.
            throw ClusterClientError.missingKey(statePath)
        }
        let lock = CoordinationLock(store: store, path: statePath, kind: .exclusive, identifier: identifier)
        let lease: LockLease
        do {
            lease = try await lock.acquire(timeout: lockTimeout)
        } catch let error as CoordinationError where error.code == .lockTimeout {
            throw ClusterClientError.lockTimeout(path: statePath, timeout: lockTimeout)
        }
        do {
            let (pairs, result) = try await body()
            if !pairs.isEmpty {
                try await KeyWrites.write(pairs, in: store)
            }
            try await lease.release()
            return result
        } catch {
            try? await lease.release()
            throw error
        }
    }

    /// `change_state`: writes `state` alone under the lock.
    @discardableResult
    func changeState(_ vm: VMIdentity, to state: VMState) async throws -> [KeyValue] {
        let written = [KeyValue(path: try path("domain.state", vm.uuid), value: state.rawValue)]
        try await underStateLock(vm) { (written, ()) }
        return written
    }

    /// The VM's `state` now (nil: missing or not UTF-8).
    func currentState(_ vm: VMIdentity) async throws -> String? {
        try await store.text(try path("domain.state", vm.uuid))
    }

    /// Waits, bounded, while the VM's state satisfies `isTransitional`; returns the state it ended in.
    func waitForState(_ vm: VMIdentity, timeout: Duration,
                      while isTransitional: @escaping @Sendable (String?) -> Bool) async throws -> String? {
        let wait = KeyWait(store: store, path: try path("domain.state", vm.uuid), subject: "VM \(vm)",
                           timeout: timeout)
        return try await wait.until { !isTransitional($0) }
    }
}
