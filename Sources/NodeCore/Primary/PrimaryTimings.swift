/// The bounds of the primary role's waits, in milliseconds of the monotonic clock (seconds for
/// the wall-clock keepalive comparison).
public struct PrimaryTimings: Sendable, Equatable {
    /// How long one side of a handover waits for the other side's step before going on alone:
    /// 5 s, PVC's reader-lock timeout (added in 2024 after handover deadlocks). A live peer takes
    /// milliseconds; the bound only matters when it died in the middle.
    public var stepTimeout = 5_000
    /// How long a candidate waits for a live old primary to let go (write `relinquish`) before it
    /// gives up this attempt and tries again at the next tick: 10 s, two steps' worth.
    public var yieldTimeout = 10_000
    /// A primary whose session has been suspended this long drops its addresses and duties at
    /// once: 5 s, half the default session timeout. Longer than a ZooKeeper leader election
    /// (1–2 s here), so an ensemble hiccup moves nothing; far shorter than `deadAfter`, the
    /// earliest moment a peer may take over, so the old primary always lets go first.
    public var suspendedBound = 5_000
    /// Seconds without a keepalive after which a primary in `run` counts as gone and its peers
    /// take over: `timer.keepalive_interval` × `fencing.intervals.fence_intervals` (30 s), PVC's
    /// dead-node rule, until the fencing issue ties takeover to a confirmed fence.
    public var deadAfter = 30
    /// How many times a candidate retries the takeover transaction when a peer's router state
    /// changed under it, before it waits for the next tick: 3.
    public var enterAttempts = 3

    public init() {}
}
