/// What the fencing core asks its runtime to do; each outcome comes back as an event.
public enum FenceDirective: Sendable, Equatable {
    case note(String)
    /// Read every node's daemon state and keepalive (with versions) → `onScan`.
    case scan
    /// Take the exclusive `/config/fence_lock`, bounded by `FenceSettings.lockTimeout` → `onLock`.
    case acquireLock
    case releaseLock
    /// One transaction: the keepalive still at `keepaliveVersion`, the daemon state still at
    /// `daemonStateVersion`, then daemon state `dead` → `onMarkedDead`.
    case markDead(node: String, daemonStateVersion: Int32, keepaliveVersion: Int32)
    /// Read the victim's daemon state and its published BMC check → `onSavingThrow`.
    case readVictim(String)
    /// Power the victim off and on through its BMC (a `PowerCycle`) → `onPowerCycle`.
    case powerCycle(String)
    /// Daemon state `fenced`; for a coordinator also router state `secondary` and, if it names
    /// the victim, `/config/primary_node` `none` (compare-and-set) → `onFencedWritten`.
    case writeFenced(node: String)
    /// Move every VM of the victim's `runningdomains` elsewhere, each on its own; RBD locks are
    /// force-freed only when `breakLocks` (power confirmed off) → `onEvacuated`.
    case evacuate(node: String, breakLocks: Bool)
    /// The victim's resource keys to "0" and its `runningdomains` empty.
    case zeroResources(node: String)
    /// Call `onWake` at this time.
    case wake(at: Int)
}
