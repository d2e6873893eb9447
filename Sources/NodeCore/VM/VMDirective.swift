/// What a VM's core asks its runtime to do. Each libvirt directive is answered with
/// `onActionFinished`; writes are answered by the state watch.
public enum VMDirective: Sendable, Equatable {
    case note(String)
    /// Create the domain from the XML in ZooKeeper (transient, as PVC). Answer: `.started` or `.failed`.
    case createDomain
    /// ACPI shutdown request; the VM going away is seen through `onLocal`. Answer: `.requested` or `.failed`.
    case shutdownDomain
    /// Hard stop. Answer: `.destroyed` or `.failed`.
    case destroyDomain
    /// Live migration to `target`, up to `attempts` tries, under the VM's locks. Answer:
    /// `.migrated`, `.failed` (libvirt could not move it), `.skipped` (the record no longer asks
    /// for this migration once locked) or `.aborted` (it could not be attempted: no lock, no
    /// destination).
    case migrateDomain(target: String, maxDowntime: Int?, attempts: Int)
    /// Write `/domains/U/state` (PVC rewrites even an unchanged state: watchers act on writes).
    case writeState(VMState)
    /// One transaction: `state` = `fail` and `failedreason`.
    case writeFailed(reason: String)
    /// One transaction: clear `failedreason` (after a successful start).
    case clearFailedReason
    /// One transaction: `state` = `start`, `node` = this node, `lastnode` as given — a migration
    /// that did not happen leaves the VM where it runs, as PVC's abort does.
    case abortMigration(lastNode: String)
    /// Call `onTick` at this moment (milliseconds of the monotonic clock).
    case wake(at: Int)
}

/// How a libvirt directive ended.
public enum VMActionOutcome: Sendable, Equatable {
    case started
    case requested
    case destroyed
    case migrated
    case failed(String)
    /// The action was not started: what it was decided on changed meanwhile (the target moved,
    /// or is this node). The table is consulted again on the record as it is now.
    case skipped(String)
    /// The migration could not even be attempted (its locks or its destination are missing):
    /// the VM stays here, as PVC's abort leaves it, without a shutdown fallback.
    case aborted(String)
}
