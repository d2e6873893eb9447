/// One coordinator's part in fencing (pvc-node-daemon.md §5): which node is dead, one fence at a
/// time under `/config/fence_lock`, the saving throws, the power cycle's verdict and what follows
/// it. Pure: events in (ticks, scans, the outcome of each directive), directives out; time is
/// milliseconds of a monotonic clock.
///
/// Rules beyond PVC's (§14.3 classes 4–7):
/// - A node is dead when this fencer has watched its keepalive stay unchanged (same znode
///   version) for `deadAfter` — its own clock, not a comparison of two machines' wall clocks —
///   and its daemon state is `run`. The timers restart whenever this fencer could not watch: at
///   its start, when its session comes back and when maintenance ends, so time nobody could keep
///   alive in (a ZooKeeper outage, a maintenance) never counts against a node.
/// - Marking dead is one transaction that checks the keepalive's and the daemon state's
///   versions: a node that checked in since the scan is never marked.
/// - A node left in `dead` by a fencer that went away is picked up again (PVC strands it).
/// - Recovery needs a power state seen *off*; RBD locks are broken only then. A failed fence is
///   retried after `retryAfterFailure`, not at every interval.
public struct FenceMonitor: Sendable, Equatable {
    public enum Phase: Sendable, Equatable {
        case idle
        case scanning
        case locking(candidates: [String])
        case marking(String)
        case savingThrows(victim: String, remaining: Int, nextAt: Int)
        case checkingThrow(victim: String, remaining: Int)
        case powerCycling(String)
        case recordingFence(String)
        case evacuating(String)
    }

    /// When this fencer last saw a node's keepalive change (or started watching it).
    struct Sighting: Sendable, Equatable {
        var keepaliveVersion: Int32
        var since: Int
    }

    public let node: String
    public let settings: FenceSettings
    public private(set) var phase: Phase = .idle
    public private(set) var holdsLock = false
    public private(set) var maintenance = false
    var running = false
    var connected = true
    var sightings: [String: Sighting] = [:]
    /// Nodes whose fence failed (or was refused), with when and at which keepalive version: not
    /// tried again before `retryAfterFailure` unless they checked in meanwhile.
    var failures: [String: Sighting] = [:]

    public init(node: String, settings: FenceSettings) {
        self.node = node
        self.settings = settings
    }

    // MARK: Events

    /// The daemon reached `run`: from now on this fencer watches, with every timer starting now.
    public mutating func onRunning(now: Int) -> [FenceDirective] {
        running = true
        restartTimers(now: now)
        return []
    }

    /// A keepalive tick.
    public mutating func onTick(now: Int) -> [FenceDirective] {
        if case .savingThrows = phase { return onWake(now: now) }
        guard phase == .idle, settings.fenceIntervals > 0, running, connected, !maintenance else { return [] }
        phase = .scanning
        return [.scan]
    }

    public mutating func onScan(_ nodes: [ObservedNode], now: Int, epochNow: Int) -> [FenceDirective] {
        guard phase == .scanning else { return [] }
        phase = .idle
        var present = Set<String>()
        for observed in nodes where observed.name != node {
            present.insert(observed.name)
            if let seen = sightings[observed.name], seen.keepaliveVersion == observed.keepaliveVersion { continue }
            // Seen now, written up to an interval ago (scans run at keepalive ticks): the timer
            // starts at the write as its own clock dates it, but never more than an interval back,
            // so a skewed clock can shorten it by one interval at most (the saving throws follow).
            let age = observed.keepalive.map { min(max(0, (epochNow - $0) * 1000), settings.keepaliveInterval) } ?? 0
            sightings[observed.name] = Sighting(keepaliveVersion: observed.keepaliveVersion, since: now - age)
            failures[observed.name] = nil
        }
        sightings = sightings.filter { present.contains($0.key) }
        let dead = nodes.filter { isDead($0, now: now) }.sorted { $0.name < $1.name }
        guard !maintenance, connected else { return [] }
        guard !dead.isEmpty else {
            // Look again the moment the next silent node would cross the threshold, not at the
            // next tick: detection then costs the threshold, not the threshold plus an interval.
            let due = nodes.filter { $0.name != node && ($0.daemonState == "run" || $0.daemonState == "dead") }
                .compactMap { sightings[$0.name].map { $0.since + settings.deadAfter } }
                .filter { $0 > now }
            return due.min().map { [.wake(at: $0)] } ?? []
        }
        victims = dead
        scanEpoch = epochNow
        phase = .locking(candidates: dead.map(\.name))
        return [.acquireLock]
    }

    public mutating func onLock(acquired: Bool, now: Int) -> [FenceDirective] {
        guard case .locking = phase else {
            // Acquired after the round was abandoned (maintenance, session): hand it back.
            return acquired ? [.releaseLock] : []
        }
        guard acquired else {
            phase = .idle
            return [.note("another node holds /config/fence_lock; not fencing this round")]
        }
        holdsLock = true
        guard let victim = victims.first else { return finish([]) }
        let silent = "no new keepalive seen for \((now - (sightings[victim.name]?.since ?? now)) / 1000) s"
            + (victim.keepalive.map { ", the last written \(scanEpoch - $0) s ago by its clock" } ?? ", its keepalive unreadable")
        if victim.daemonState == "dead" {
            return [.note("\(victim.name) was left dead by an unfinished fence (\(silent)); fencing it")]
                + startSavingThrows(victim.name, now: now)
        }
        phase = .marking(victim.name)
        return [.note("\(victim.name) is dead (\(silent)); marking it dead"),
                .markDead(node: victim.name, daemonStateVersion: victim.daemonStateVersion,
                          keepaliveVersion: victim.keepaliveVersion)]
    }

    public mutating func onMarkedDead(_ succeeded: Bool, now: Int) -> [FenceDirective] {
        guard case .marking(let victim) = phase else { return [] }
        guard succeeded else {
            return finish([.note("\(victim) changed before it could be marked dead (it checked in); not fencing it")])
        }
        return startSavingThrows(victim, now: now)
    }

    /// A wake-up the core asked for (`wake(at:)`).
    public mutating func onWake(now: Int) -> [FenceDirective] {
        if phase == .idle { return onTick(now: now) }
        guard case .savingThrows(let victim, let remaining, let nextAt) = phase, now >= nextAt else { return [] }
        phase = .checkingThrow(victim: victim, remaining: remaining)
        return [.readVictim(victim)]
    }

    /// The victim's daemon state at a saving throw, and whether its last published BMC check failed.
    public mutating func onSavingThrow(daemonState: String?, bmcCheckFailed: Bool, now: Int) -> [FenceDirective] {
        guard case .checkingThrow(let victim, let remaining) = phase else { return [] }
        guard daemonState == "dead" else {
            sightings[victim] = nil
            return finish([.note("\(victim) passed a saving throw (daemon state \(daemonState ?? "missing")); not fencing it")])
        }
        if remaining > 1 {
            phase = .savingThrows(victim: victim, remaining: remaining - 1, nextAt: now + settings.keepaliveInterval)
            return [.wake(at: now + settings.keepaliveInterval)]
        }
        return powerFence(victim, bmcCheckFailed: bmcCheckFailed, now: now)
    }

    /// The victim's keys could not be read: the throw neither saves nor condemns it (the fencer's
    /// own connection may be at fault); the same throw is taken again an interval later.
    public mutating func onSavingThrowUnreadable(now: Int) -> [FenceDirective] {
        guard case .checkingThrow(let victim, let remaining) = phase else { return [] }
        let at = now + settings.keepaliveInterval
        phase = .savingThrows(victim: victim, remaining: remaining, nextAt: at)
        return [.note("could not read \(victim)'s daemon state; the saving throw is taken again"), .wake(at: at)]
    }

    /// The power cycle's verdict: `success` only if the victim's power was seen off.
    public mutating func onPowerCycle(success: Bool, detail: String, now: Int) -> [FenceDirective] {
        guard case .powerCycling(let victim) = phase else { return [] }
        if success {
            phase = .recordingFence(victim)
            return [.note("fence of \(victim) succeeded: \(detail)"), .writeFenced(node: victim)]
        }
        failures[victim] = Sighting(keepaliveVersion: sightings[victim]?.keepaliveVersion ?? -1, since: now)
        var directives: [FenceDirective] = [.note("fence of \(victim) failed: \(detail); it stays dead, tried again in \(settings.retryAfterFailure / 1000) s")]
        switch (settings.failedFence, settings.selfFenceIntervals > 0) {
        case (.none, _):
            directives.append(.note("failed_fence is none: the VMs of \(victim) stay where they are"))
        case (.migrate, false):
            directives.append(.note("failed_fence is migrate but self-fencing is off: \(victim) may still run its VMs, so they stay where they are"))
        case (.migrate, true):
            phase = .evacuating(victim)
            return directives + [.note("failed_fence is migrate and \(victim) destroyed its own VMs (self-fencing); moving them without breaking RBD locks"),
                                 .evacuate(node: victim, breakLocks: false)]
        }
        return finish(directives)
    }

    /// `fenced` written (or not: the power was still seen off, so recovery goes on either way).
    public mutating func onFencedWritten(_ succeeded: Bool, now: Int) -> [FenceDirective] {
        guard case .recordingFence(let victim) = phase else { return [] }
        var directives: [FenceDirective] = succeeded ? [] : [.note("could not record \(victim) as fenced; recovering it anyway (its power was seen off)")]
        switch settings.successfulFence {
        case .migrate:
            phase = .evacuating(victim)
            directives.append(.evacuate(node: victim, breakLocks: true))
            return directives
        case .none:
            directives.append(.note("successful_fence is none: the VMs of \(victim) stay stopped where they were"))
            return finish(directives + [.zeroResources(node: victim)])
        }
    }

    public mutating func onEvacuated(now: Int) -> [FenceDirective] {
        guard case .evacuating(let victim) = phase else { return [] }
        return finish([.zeroResources(node: victim)])
    }

    public mutating func onMaintenance(_ on: Bool, now: Int) -> [FenceDirective] {
        guard on != maintenance else { return [] }
        maintenance = on
        guard on else {
            restartTimers(now: now)
            return [.note("maintenance off: every node's dead timer restarts now")]
        }
        return abandon("maintenance on")
    }

    public mutating func onSessionSuspended(now: Int) -> [FenceDirective] {
        guard connected else { return [] }
        connected = false
        return abandon("the ZooKeeper session is suspended")
    }

    /// Nobody could keep alive while this fencer was cut off either: the timers restart.
    public mutating func onSessionReconnected(now: Int) -> [FenceDirective] {
        guard !connected else { return [] }
        connected = true
        restartTimers(now: now)
        return [.note("session back: every node's dead timer restarts now")]
    }

    // MARK: Decisions

    var victims: [ObservedNode] = []
    var scanEpoch = 0

    private func isDead(_ observed: ObservedNode, now: Int) -> Bool {
        guard observed.name != node, observed.daemonState == "run" || observed.daemonState == "dead",
              let seen = sightings[observed.name], now - seen.since >= settings.deadAfter else { return false }
        if let failed = failures[observed.name], failed.keepaliveVersion == observed.keepaliveVersion,
           now - failed.since < settings.retryAfterFailure {
            return false
        }
        return true
    }

    private mutating func startSavingThrows(_ victim: String, now: Int) -> [FenceDirective] {
        guard settings.savingThrows > 0 else {
            // No saving throws: one read still gives the victim's BMC check its say.
            phase = .checkingThrow(victim: victim, remaining: 1)
            return [.readVictim(victim)]
        }
        let at = now + settings.keepaliveInterval
        phase = .savingThrows(victim: victim, remaining: settings.savingThrows, nextAt: at)
        return [.note("\(victim) is dead; \(settings.savingThrows) saving throws, one every \(settings.keepaliveInterval) ms"),
                .wake(at: at)]
    }

    private mutating func powerFence(_ victim: String, bmcCheckFailed: Bool, now: Int) -> [FenceDirective] {
        if settings.disableOnIPMIFailure && bmcCheckFailed {
            failures[victim] = Sighting(keepaliveVersion: sightings[victim]?.keepaliveVersion ?? -1, since: now)
            return finish([.note("not fencing \(victim): its own BMC check failed and fencing.disable_on_ipmi_failure is set; it stays dead")])
        }
        phase = .powerCycling(victim)
        return [.note("\(victim) failed its saving throws; cutting its power through its BMC"), .powerCycle(victim)]
    }

    /// Ends the round: the lock goes back and the next scan may pick the next dead node.
    private mutating func finish(_ directives: [FenceDirective]) -> [FenceDirective] {
        if case .evacuating(let victim) = phase { sightings[victim] = nil }
        if case .recordingFence(let victim) = phase { sightings[victim] = nil }
        phase = .idle
        victims = []
        guard holdsLock else { return directives }
        holdsLock = false
        return directives + [.releaseLock]
    }

    /// Before the power is cut a round can stop anywhere; after, it runs to its end.
    private mutating func abandon(_ reason: String) -> [FenceDirective] {
        switch phase {
        case .idle:
            return []
        case .scanning, .locking:
            phase = .idle
            victims = []
            return []
        case .marking(let victim), .savingThrows(let victim, _, _), .checkingThrow(let victim, _):
            return finish([.note("\(reason): fence of \(victim) abandoned")])
        case .powerCycling(let victim), .recordingFence(let victim), .evacuating(let victim):
            return [.note("\(reason) while \(victim)'s fence is past its power cycle; it runs to its end")]
        }
    }

    private mutating func restartTimers(now: Int) {
        for name in sightings.keys { sightings[name]?.since = now }
    }
}
