/// One VM as one node sees it (pvc-node-daemon.md §6.3): what the record in ZooKeeper and this
/// node's libvirt call for, one action at a time. Events are serialized per VM by the runtime, so
/// no in-progress flag can race a watch (PVC bug class 9): while an action runs, a new record
/// only aborts what it must (a shutdown whose state moved on); the table is consulted again when
/// the action ends.
///
/// Migration (§7) without PVC's lock-timing handshake: the source, the one node that knows how
/// the migration ended, writes the outcome — `start` after a live migration (the VM runs on
/// the target, which the record already names), or, after the fallback shutdown, `start` for the
/// target to cold-start it; a live-only migration that failed aborts to `start` on this node.
/// The target only waits, and never mistakes a paused incoming domain for a received one.
public struct VMLifecycle: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        case starting(thenWriteStart: Bool)
        case shuttingDown(until: Int, then: AfterStop)
        case destroying(then: AfterStop)
        case migrating(target: String, liveOnly: Bool, lastNode: String)
    }

    /// What follows once the VM is off here.
    public enum AfterStop: Sendable, Equatable {
        /// Write `stop` (a shutdown or stop the cluster asked for).
        case writeStop
        /// Nothing: the VM should not run here (it belongs to another node).
        case nothing
        /// Start it again here, then write `start` (a restart).
        case restart
        /// Write `start` so the node the record names cold-starts it (an offline migration).
        case handOver
    }

    public let uuid: String
    public let node: String
    /// `timer.vm_shutdown_timeout` in milliseconds (180 s, PVC's).
    public let shutdownTimeout: Int
    /// Live attempts before the fallback or the abort (3, PVC's).
    public let liveAttempts: Int

    public private(set) var record: VMRecord?
    public private(set) var local: LocalDomain = .absent
    public private(set) var action: Action?

    public init(uuid: String, node: String, shutdownTimeout: Int = 180_000, liveAttempts: Int = 3) {
        self.uuid = uuid
        self.node = node
        self.shutdownTimeout = shutdownTimeout
        self.liveAttempts = liveAttempts
    }

    // MARK: Events

    /// The VM's keys, read after its state key changed (or at start).
    public mutating func onRecord(_ record: VMRecord, now: Int) -> [VMDirective] {
        self.record = record
        if case .shuttingDown = action, let state = record.state,
           ![.shutdown, .restart, .migrate, .migrateLive].contains(state) {
            // PVC's rule: a shutdown is abandoned when the state moves elsewhere (a `stop`
            // then destroys at once instead of waiting out the timeout).
            action = nil
            return [.note("shutdown abandoned: state is now \(state.rawValue)")] + decide(now: now)
        }
        return action == nil ? decide(now: now) : []
    }

    /// What libvirt says now (an event, or a read at start).
    public mutating func onLocal(_ local: LocalDomain, now: Int) -> [VMDirective] {
        self.local = local
        if case .shuttingDown(_, let then) = action, local == .absent {
            action = nil
            return [.note("shut down")] + after(then, now: now)
        }
        return action == nil ? decide(now: now) : []
    }

    /// An action ended. The table is consulted again at once: whatever the record asked for
    /// meanwhile (a `shutdown` arriving during a start) is acted on now, not lost.
    public mutating func onActionFinished(_ outcome: VMActionOutcome, now: Int) -> [VMDirective] {
        var directives = finish(outcome, now: now)
        if action == nil { directives += decide(now: now) }
        return directives
    }

    private mutating func finish(_ outcome: VMActionOutcome, now: Int) -> [VMDirective] {
        guard let current = action else { return [] }
        switch (current, outcome) {
        case (.starting(let thenWriteStart), .started):
            action = nil
            local = .running
            return [.clearFailedReason] + (thenWriteStart ? [write(.start)] : [])
        case (.starting, .failed(let reason)):
            action = nil
            record?.state = .fail
            return [.writeFailed(reason: reason)]
        case (.shuttingDown, .requested):
            return []
        case (.shuttingDown(_, let then), .failed(let reason)):
            // The guest cannot be asked (no ACPI): stop it hard, with the same follow-up.
            action = .destroying(then: then)
            return [.note("shutdown request failed (\(reason)); destroying"), .destroyDomain]
        case (.destroying(let then), .destroyed):
            action = nil
            local = .absent
            return after(then, now: now)
        case (.destroying, .failed(let reason)):
            action = nil
            return [.note("destroy failed: \(reason)")]
        case (.migrating, .migrated):
            action = nil
            local = .absent
            return [.note("migrated"), write(.start)]
        case (.migrating(let target, _, _), .skipped(let reason)):
            action = nil
            return [.note("migration to \(target) not started: \(reason)")]
        case (.migrating(let target, _, let lastNode), .aborted(let reason)):
            action = nil
            return [.note("migration to \(target) aborted: \(reason)")] + abort(lastNode: lastNode)
        case (.migrating(let target, let liveOnly, let lastNode), .failed(let reason)):
            action = nil
            if liveOnly {
                return [.note("live migration to \(target) failed and is required: \(reason)")] + abort(lastNode: lastNode)
            }
            let until = now + shutdownTimeout
            action = .shuttingDown(until: until, then: .handOver)
            return [.note("live migration to \(target) failed (\(reason)); shutting down to move it offline"),
                    .shutdownDomain, .wake(at: until)]
        default:
            return [.note("unexpected outcome \(outcome) while \(current)")]
        }
    }

    public mutating func onTick(now: Int) -> [VMDirective] {
        guard case .shuttingDown(let until, let then) = action, now >= until else { return [] }
        action = .destroying(then: then)
        return [.note("shutdown timed out after \(shutdownTimeout) ms; destroying"), .destroyDomain]
    }

    // MARK: Decisions

    /// §6.3's table, when nothing is in progress.
    private mutating func decide(now: Int) -> [VMDirective] {
        guard let record, let state = record.state else { return [] }
        if record.node == node {
            switch (local, state) {
            case (.running, .start):
                return []
            case (.running, .migrate), (.running, .migrateLive):
                // Here already (a migration whose source did not get to write the outcome).
                return [write(.start)]
            case (.running, .restart):
                return shutDown(then: .restart, now: now)
            case (.running, .shutdown):
                return shutDown(then: .writeStop, now: now)
            case (.running, .stop):
                action = .destroying(then: .writeStop)
                return [.destroyDomain]
            case (.absent, .start):
                action = .starting(thenWriteStart: false)
                return [.createDomain]
            case (.absent, .restart):
                return [write(.start)]
            default:
                // Paused (an incoming migration), waiting for a source, or a state no node acts on.
                return []
            }
        }
        guard local == .running else { return [] }
        switch state {
        case .migrate, .migrateLive:
            guard !record.node.isEmpty else {
                return [.note("migration without a target node")]
                    + abort(lastNode: record.lastNode == node ? "" : record.lastNode)
            }
            let liveOnly = state == .migrateLive || record.migrationMethod == "live"
            if record.migrationMethod == "shutdown" && !liveOnly {
                return shutDown(then: .handOver, now: now)
            }
            // What an abort restores: the client wrote `lastnode` = this node with the migration,
            // and a VM running here is never "temporarily away from here" (PVC's abort kept that
            // value, which sent a later unmigrate to the node the VM was on).
            let restored = record.lastNode == node ? "" : record.lastNode
            action = .migrating(target: record.node, liveOnly: liveOnly, lastNode: restored)
            return [.migrateDomain(target: record.node, maxDowntime: record.maxDowntime, attempts: liveAttempts)]
        case .shutdown:
            return shutDown(then: .writeStop, now: now)
        default:
            // Running on a node that does not own it: stop it here, write nothing (PVC's terminate).
            action = .destroying(then: .nothing)
            return [.note("running here but owned by \(record.node); destroying the local copy"), .destroyDomain]
        }
    }

    private mutating func shutDown(then: AfterStop, now: Int) -> [VMDirective] {
        let until = now + shutdownTimeout
        action = .shuttingDown(until: until, then: then)
        return [.shutdownDomain, .wake(at: until)]
    }

    private mutating func after(_ then: AfterStop, now: Int) -> [VMDirective] {
        switch then {
        case .writeStop:
            return [write(.stop)]
        case .nothing:
            return []
        case .restart:
            action = .starting(thenWriteStart: true)
            return [.createDomain]
        case .handOver:
            return [write(.start)]
        }
    }

    /// A state write, taken as the record's state at once: the table must not act again on the
    /// value this write replaces before the watch brings the new one back.
    private mutating func write(_ state: VMState) -> VMDirective {
        record?.state = state
        return .writeState(state)
    }

    private mutating func abort(lastNode: String) -> [VMDirective] {
        record?.state = .start
        record?.node = node
        record?.lastNode = lastNode
        return [.abortMigration(lastNode: lastNode)]
    }
}
