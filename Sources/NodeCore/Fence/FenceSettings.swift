/// The fencing rules a coordinator applies, in milliseconds of the monotonic clock.
public struct FenceSettings: Sendable, Equatable {
    /// What happens to a node's VMs after its fence: PVC's two words.
    public enum Recovery: String, Sendable, Equatable {
        case migrate
        case none
    }

    /// `timer.keepalive_interval`: every dead-node figure is counted in it.
    public var keepaliveInterval: Int
    /// `fencing.intervals.fence_intervals` (default 6, PVC's): silent this many intervals = dead.
    /// 0 turns dead-node detection off, as PVC documents.
    public var fenceIntervals: Int
    /// `fencing.intervals.saving_throws` (default 6, PVC's hard-coded count): intervals a node
    /// marked dead gets to write `run` again before its power is cut.
    public var savingThrows: Int
    /// `fencing.actions.successful_fence` / `failed_fence`.
    public var successfulFence: Recovery
    public var failedFence: Recovery
    /// `fencing.intervals.suicide_intervals` (0 = off): whether a failed fence may count on the
    /// victim having destroyed its own VMs (PVC's intended condition for `failed_fence: migrate`).
    public var selfFenceIntervals: Int
    /// `fencing.disable_on_ipmi_failure`: a node whose own BMC check failed is not fenced.
    public var disableOnIPMIFailure: Bool
    /// How long a failed fence waits before the same node is tried again: 5 min. A BMC that did
    /// not answer may come back; trying at every interval would only fill the log.
    public var retryAfterFailure: Int = 300_000

    public init(keepaliveInterval: Int = 5_000, fenceIntervals: Int = 6, savingThrows: Int = 6,
                successfulFence: Recovery = .none, failedFence: Recovery = .none, selfFenceIntervals: Int = 0,
                disableOnIPMIFailure: Bool = false) {
        self.keepaliveInterval = keepaliveInterval
        self.fenceIntervals = fenceIntervals
        self.savingThrows = savingThrows
        self.successfulFence = successfulFence
        self.failedFence = failedFence
        self.selfFenceIntervals = selfFenceIntervals
        self.disableOnIPMIFailure = disableOnIPMIFailure
    }

    /// Milliseconds without a new keepalive after which a node in `run` is dead.
    public var deadAfter: Int { keepaliveInterval * fenceIntervals }
    /// How long the fencer waits for `/config/fence_lock`: one interval less a second (PVC's),
    /// at least half an interval, so a scan never runs into the next keepalive.
    public var lockTimeout: Int { max(keepaliveInterval / 2, keepaliveInterval - 1_000) }
}
