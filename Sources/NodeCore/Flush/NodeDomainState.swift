/// PVC's words for `/nodes/N/domainstate` (pvc-node-daemon.md §2.4, §8), plus ours.
public enum NodeDomainState: String, Sendable, Equatable, CaseIterable {
    /// Takes VMs (the only state target selection accepts).
    case ready
    /// Asked to flush (written by the API); the node's flush runs.
    case flush
    /// Flushed: every VM that ran here moved or was shut down (with autostart).
    case flushed
    /// Asked to become ready again (written by the API); the node's ready runs.
    case unflush
    /// Ours, beyond PVC: the flush ended but at least one VM could not leave (named in the log and
    /// in its `failedreason`). PVC's flush would stay in `flush` for ever, or claim `flushed` after
    /// its 120 s wait with the VM still here. Like `flushed` it is not `ready` (no VM is placed
    /// here); `pvc node flush` or `ready` is accepted from it as from `flushed`.
    case flushFailed = "flush-failed"
}
