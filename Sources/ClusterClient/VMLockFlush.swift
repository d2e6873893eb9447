import NodeCore

extension ClusterClient {
    /// The states in which a VM's RBD locks may be flushed without force (PVC's
    /// `vm_worker_flush_locks`): the VM is not running anywhere, so no lock is in use.
    public static let lockFlushStates: Set<String> = ["stop", "disable", "fail", "mirror"]

    /// What `vm flush-locks` acts on: the VM and its volumes (`rbdlist`, empty entries dropped),
    /// after PVC's precondition on the state unless `force`. Freeing the locks is Ceph's part.
    public func volumesForLockFlush(_ vm: String, force: Bool) async throws -> (VMIdentity, [String]) {
        let identity = try await resolveVM(vm)
        let statePath = try path("domain.state", identity.uuid)
        let volumesPath = try path("domain.storage.volumes", identity.uuid)
        let keys = try await store.texts([statePath, volumesPath])
        let state = keys[statePath]
        if !force, !Self.lockFlushStates.contains(state ?? "") {
            throw ClusterClientError.notStopped(vm: identity.description, state: state)
        }
        return (identity, StartLockCheck.volumes(inList: keys[volumesPath] ?? ""))
    }
}
