/// A node's watch on its own keepalives (`fencing.intervals.suicide_intervals`, which PVC
/// documents and never implemented): when none has completed for that many intervals, the node
/// may be partitioned and about to be declared dead, and its peers will start its VMs
/// elsewhere, so it destroys the ones running here first. It must fire before the peers can
/// act: the configuration refuses a self-fence time not below the dead threshold.
///
/// While engaged, this node starts no VM; the first keepalive that completes releases it, and
/// the VMs whose record still names this node come back through their usual crash restart.
public struct SelfFence: Sendable, Equatable {
    public enum Directive: Sendable, Equatable {
        /// Stop starting VMs here, then destroy every running one.
        case engage(reason: String)
        /// VMs may run here again.
        case release(reason: String)
    }

    /// Milliseconds without a completed keepalive that engage it; 0 = off.
    public let limit: Int
    public private(set) var engaged = false
    var lastSuccess: Int
    var maintenance = false

    public init(intervals: Int, keepaliveInterval: Int, now: Int) {
        limit = max(0, intervals) * keepaliveInterval
        lastSuccess = now
    }

    public mutating func onKeepalive(succeeded: Bool, now: Int) -> [Directive] {
        guard succeeded else { return onTick(now: now) }
        lastSuccess = now
        guard engaged else { return [] }
        engaged = false
        return [.release(reason: "a keepalive completed again")]
    }

    /// The cluster's maintenance flag as last read: nobody is fenced in maintenance, so a node
    /// cut off then has no reason to destroy its VMs.
    /// Leaving maintenance restarts the count, as the fencers restart their dead timers then.
    public mutating func onMaintenance(_ on: Bool, now: Int) -> [Directive] {
        if maintenance && !on { lastSuccess = max(lastSuccess, now) }
        maintenance = on
        return []
    }

    public mutating func onTick(now: Int) -> [Directive] {
        guard limit > 0, !engaged, !maintenance, now - lastSuccess >= limit else { return [] }
        engaged = true
        return [.engage(reason: "no keepalive completed for \(now - lastSuccess) ms (self-fence after \(limit) ms)")]
    }
}
