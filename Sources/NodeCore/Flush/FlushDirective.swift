/// What a flush or ready (`NodeFlush`, `NodeReady`) asks its runtime to do. The runtime carries
/// the directives out in order. Those the core waits on are answered by the event named; the
/// others are fire-and-forget (the runtime logs a failed write itself).
///
/// Every VM the core was given must be watched from before the core was built (watch, then read
/// the snapshot passed to `init`): each change of `/domains/U/state` is answered with `onRecord`,
/// the VM's `state`, `node` and `lastnode` read after the change. A change missed costs an attempt
/// deadline, never a wedge.
public enum FlushDirective: Sendable, Equatable {
    /// A line for the log (VMs are named).
    case note(String)
    /// Read every node under `/nodes` (as `CandidateNode`, fresh: figures change as VMs land) and
    /// `/config/migration_target_selector`. Answer: `onCandidates(_:clusterSelector:now:)`.
    /// A failed read is answered with no nodes at all: taken as no answer (a cluster always
    /// lists at least this node), not as "no target", so the VMs waiting for it keep waiting and
    /// ask again at their deadline instead of being shut down because of a ZooKeeper error.
    case readCandidates
    /// One transaction on `/domains/U`: `state`, `node`, `lastnode` (PVC's flush and unflush
    /// write the three together). Answer: `onWritten(uuid:error:now:)` once it is committed or
    /// has failed. Records that arrive between this directive and `onWritten` may predate the
    /// write and are ignored; after a successful `onWritten` the core asks `readRecord`, so an
    /// outcome that came and went in that window is not missed.
    case writeMigration(uuid: String, state: VMState, node: String, lastNode: String)
    /// Read the VM's `state`, `node` and `lastnode` now. Answer: `onRecord`.
    case readRecord(uuid: String)
    /// Flush, no target: one transaction, `state` = `shutdown` and `node_autostart` = `True` (it is
    /// started again when the node is readied). Answer: as `writeMigration`.
    case writeShutdown(uuid: String)
    /// Ready: one transaction, `state` = `start`, `node`, `lastnode` = "", `node_autostart` =
    /// `False`. Not waited for (PVC): no answer.
    case writeAutostart(uuid: String, node: String)
    /// Ready, a VM that is not running: `node` and `lastnode` = "" only, its state left alone (it
    /// comes home on paper and stays stopped). No answer.
    case writeHome(uuid: String, node: String)
    /// `failedreason` = `reason` (state untouched): a VM the flush could not move. No answer.
    case writeFailedReason(uuid: String, reason: String)
    /// Ready, a VM that could not come home: one transaction, `failedreason` = `reason` and
    /// `lastnode` = `lastNode` (this node, which the homecoming write had cleared), so a later
    /// ready tries again. No answer.
    case writeNotHome(uuid: String, lastNode: String, reason: String)
    /// Call `onTick` at this moment (milliseconds of the monotonic clock). Several may be
    /// pending; an early or extra tick is harmless.
    case wake(at: Int)
    /// The end: one transaction writing `/nodes/N/domainstate` and, when `clearRunningDomains`,
    /// `runningdomains` = "" (PVC's flush step 6). No answer; the core is finished.
    case writeDomainState(NodeDomainState, clearRunningDomains: Bool)
}

/// Where a flush or ready stands.
public enum FlushStatus: Sendable, Hashable {
    /// Built; `onStart` not called yet.
    case notStarted
    case running
    /// Ended with this domainstate written.
    case finished(NodeDomainState)
    /// `onCancelled` was called (a newer flush or ready took over); every later event is ignored.
    case cancelled

    /// Finished or cancelled: nothing more will come out.
    public var isOver: Bool {
        switch self {
        case .finished, .cancelled: true
        case .notStarted, .running: false
        }
    }
}

extension [FlushDirective] {
    /// The same wake asked for more than once in one answer (VMs that began together) is asked
    /// for once.
    var withoutRepeatedWakes: [FlushDirective] {
        var seen: Set<Int> = []
        return filter { directive in
            guard case .wake(let at) = directive else { return true }
            return seen.insert(at).inserted
        }
    }
}
