/// One flush of this node (domainstate `flush` → `flushed`): pvc-node-daemon.md §8, with these
/// changes:
/// - up to `maxParallel` VMs move at once; each target choice counts the VMs of this flush
///   already on their way to a node (`InFlightLoad`), so parallel choices spread;
/// - each VM gets up to `maxRetries` attempts, each bounded by `attemptDeadline`; a retry avoids
///   the targets that already failed the VM while another node is eligible;
/// - a VM that cannot leave ends the flush in `flush-failed`, named in a note and in its
///   `failedreason`, instead of an endless `flush` (or PVC's `flushed` after a 120 s wait with the
///   VM still here);
/// - cancellation is the runtime dropping the core: nothing here waits to be told.
///
/// Per VM (in name order, then UUID):
/// 1. A VM in a transition (`restart`, `shutdown`, a migration) is waited out first (PVC step 2),
///    at most one deadline.
/// 2. Target: `TargetSelection` with `currentNode` = `lastnode` if set, else `node` (step 3: its
///    original home is never the target), this node left out of the list.
/// 3. Target → one write: `migrate`, `node` = target, `lastnode` = that home (step 4). The
///    attempt succeeds when the VM is `start` on the target (or has left otherwise), fails when it
///    is `start` here again (the source aborted a live-only migration) or the deadline passes;
///    `fail` ends it (no retry: it no longer runs here).
/// 4. No target, VM in `start` → `shutdown` with `node_autostart` `True`; done at `stop`.
/// 5. When every VM has settled: `runningdomains` "" and `flushed`, or `flush-failed` (step 6).
public struct NodeFlush: Sendable, Equatable {
    /// This node.
    public let node: String
    public let settings: FlushSettings
    /// Every VM, in the order handled.
    public private(set) var vms: [FlushProgress]
    public private(set) var status: FlushStatus = .notStarted
    /// A `readCandidates` is out and not answered yet.
    public private(set) var candidatesRequested = false
    /// Selector warnings already noted (one note per flush, not per VM).
    private var warned: Set<String> = []

    /// - Parameter vms: every VM of the cluster, as read after their watches were set. The flush
    ///   keeps those assigned here that are active (`start`, a `restart`/`shutdown` still
    ///   finishing) or whose state is unreadable (treated as running here): PVC's running list,
    ///   from the records.
    public init(node: String, settings: FlushSettings, vms: [FlushVM]) {
        self.node = node
        self.settings = settings
        self.vms = vms.filter { vm in
            vm.node == node && (vm.state.map { [.start, .restart, .shutdown].contains($0) } ?? true)
        }.sorted(by: FlushVM.precedes).map(FlushProgress.init)
    }

    // MARK: Queries

    /// VMs holding a slot.
    public var inFlightCount: Int { vms.count { $0.phase.isInFlight } }

    /// The load of this flush's own migrations on their way, by target.
    public var inFlightLoad: [String: InFlightLoad] {
        var load: [String: InFlightLoad] = [:]
        for vm in vms {
            if case .migrating(let target, _, _) = vm.phase {
                load[target, default: .none] += .vm(memoryMiB: vm.vm.memoryMiB, vcpus: vm.vm.vcpus)
            }
        }
        return load
    }

    public func progress(of uuid: String) -> FlushProgress? {
        vms.first { $0.vm.uuid == uuid }
    }

    // MARK: Events

    /// Begins the flush.
    public mutating func onStart(now: Int) -> [FlushDirective] {
        guard status == .notStarted else { return [] }
        status = .running
        let out: [FlushDirective] = [.note("flush of \(node): \(vms.count) VM(s), up to \(settings.maxParallel) "
            + "at once, \(settings.maxRetries) attempt(s) each")]
        return (out + advance(now: now)).withoutRepeatedWakes
    }

    /// The answer to `readCandidates`: every node under `/nodes`, and
    /// `/config/migration_target_selector` (nil: missing). Chooses for every VM waiting for it.
    public mutating func onCandidates(_ candidates: [CandidateNode], clusterSelector: String?,
                                      now: Int) -> [FlushDirective] {
        guard status == .running else { return [] }
        guard !candidates.isEmpty else {
            // A failed read, not an empty cluster (this node is always listed): deciding "no
            // target" on it would shut every VM down. The request stays counted as outstanding;
            // each waiting VM's deadline asks again (as an attempt).
            return [.note("the node list came back empty (a failed read?); asking again at the deadline")]
        }
        candidatesRequested = false
        let others = candidates.filter { $0.name != node }
        var out: [FlushDirective] = []
        for index in vms.indices {
            guard case .choosing = vms[index].phase else { continue }
            out += choose(index, candidates: others, clusterSelector: clusterSelector, now: now)
        }
        return (out + advance(now: now)).withoutRepeatedWakes
    }

    /// The answer to `writeMigration`/`writeShutdown`: committed (`error` nil) or not.
    public mutating func onWritten(uuid: String, error: String?, now: Int) -> [FlushDirective] {
        guard status == .running, let index = index(of: uuid) else { return [] }
        var out: [FlushDirective] = []
        switch vms[index].phase {
        case .migrating(let target, let until, false):
            if let error {
                out += attemptFailed(index, target: target, why: "the write failed: \(error)", now: now)
            } else {
                vms[index].phase = .migrating(target: target, until: until, confirmed: true)
                out.append(.readRecord(uuid: uuid))
            }
        case .shuttingDown(let until, false):
            if let error {
                out += attemptFailed(index, target: nil, why: "the shutdown write failed: \(error)", now: now)
            } else {
                vms[index].phase = .shuttingDown(until: until, confirmed: true)
                out.append(.readRecord(uuid: uuid))
            }
        default:
            break
        }
        return (out + advance(now: now)).withoutRepeatedWakes
    }

    /// The VM's keys, read after its state key changed.
    public mutating func onRecord(uuid: String, state: VMState?, node vmNode: String, lastNode: String,
                                  now: Int) -> [FlushDirective] {
        guard status == .running, let index = index(of: uuid) else { return [] }
        let record = ObservedRecord(state: state, node: vmNode, lastNode: lastNode)
        var out: [FlushDirective] = []
        switch vms[index].phase {
        case .queued, .choosing:
            vms[index].record = record
        case .settled:
            return []
        case .waitingOut:
            vms[index].record = record
            if !record.isTransitional {
                out += decide(index, now: now)
            }
        case .migrating(let target, _, let confirmed):
            guard confirmed else { return [] }
            vms[index].record = record
            out += judgeMigration(index, target: target, now: now)
        case .shuttingDown(_, let confirmed):
            guard confirmed else { return [] }
            vms[index].record = record
            out += judgeShutdown(index, now: now)
        }
        return (out + advance(now: now)).withoutRepeatedWakes
    }

    /// A `wake` came due (or any tick): every wait past its deadline gives up.
    public mutating func onTick(now: Int) -> [FlushDirective] {
        guard status == .running else { return [] }
        var out: [FlushDirective] = []
        let seconds = Self.seconds(settings.attemptDeadline)
        for index in vms.indices {
            guard let deadline = vms[index].phase.deadline, now >= deadline else { continue }
            let record = vms[index].record
            switch vms[index].phase {
            case .waitingOut:
                out += giveUp(index, why: "still \(record.summary) after \(seconds)")
            case .choosing:
                // No node list came: the request is taken as lost and asked again on the retry.
                candidatesRequested = false
                vms[index].attempts += 1
                out += attemptFailed(index, target: nil, why: "no node list within \(seconds)", now: now)
            case .migrating(let target, _, _):
                out += attemptFailed(index, target: target,
                                     why: "no outcome within \(seconds) (\(record.summary))", now: now)
            case .shuttingDown:
                out += attemptFailed(index, target: nil, why: "not off within \(seconds) (\(record.summary))",
                                     now: now)
            case .queued, .settled:
                break
            }
        }
        return (out + advance(now: now)).withoutRepeatedWakes
    }

    /// A newer flush or ready replaces this one (the runtime drops the core afterwards; it need
    /// not call this). Nothing is undone: VMs on their way keep going under their own VM actors,
    /// and the newer request's core sees them as they are.
    public mutating func onCancelled(now: Int) -> [FlushDirective] {
        guard !status.isOver else { return [] }
        status = .cancelled
        return [.note(FlushProgress.cancellationNote("flush of \(node)", vms))]
    }

    // MARK: Decisions

    /// Begins queued VMs while slots are free, asks for the node list when a VM waits for it, and
    /// ends the flush when every VM has settled.
    private mutating func advance(now: Int) -> [FlushDirective] {
        guard status == .running else { return [] }
        var out: [FlushDirective] = []
        while inFlightCount < settings.maxParallel, let index = vms.firstIndex(where: { $0.phase == .queued }) {
            out += begin(index, now: now)
        }
        if !candidatesRequested, vms.contains(where: { if case .choosing = $0.phase { true } else { false } }) {
            candidatesRequested = true
            out.append(.readCandidates)
        }
        if vms.allSatisfy({ $0.phase.isSettled }) {
            out += finish()
        }
        return out
    }

    private mutating func begin(_ index: Int, now: Int) -> [FlushDirective] {
        let record = vms[index].record
        if record.isTransitional {
            let until = now + settings.attemptDeadline
            vms[index].phase = .waitingOut(until: until)
            return [.note("\(vms[index].vm.name): waiting for \(record.summary) to finish"), .wake(at: until)]
        }
        if let state = record.state, state != .start {
            // stop, disable, fail, ...: not running, so nothing to move (the runtime passes only
            // active VMs; this is a record that changed meanwhile).
            return settle(index, .nothingToDo("\(record.summary), not running"))
        }
        return decide(index, now: now)
    }

    /// The VM is not in a transition: what it needs now.
    private mutating func decide(_ index: Int, now: Int) -> [FlushDirective] {
        let record = vms[index].record
        let name = vms[index].vm.name
        switch record.state {
        case .start?:
            if record.node == node { return startChoosing(index, now: now) }
            return settle(index, .moved(to: record.node))
        case nil:
            if record.node == node {
                // Nobody acts on a word PVC does not use: it may well still run here, and a
                // migration write replaces the word.
                return [.note("\(name): unreadable state; treated as running here")] + startChoosing(index, now: now)
            }
            return [.note("\(name): unreadable state on \(record.node); taken as settled there")]
                + settle(index, .moved(to: record.node))
        case .fail?:
            return [.note("\(name): \(record.summary); it no longer runs here")]
                + settle(index, .failed("\(record.summary) during the flush of \(node)"))
        case let state?:
            // stop, disable, provision, ...: nothing runs to move.
            return settle(index, .nothingToDo("\(state.rawValue) on \(record.node)"))
        }
    }

    private mutating func startChoosing(_ index: Int, now: Int) -> [FlushDirective] {
        let until = now + settings.attemptDeadline
        vms[index].phase = .choosing(until: until)
        return [.wake(at: until)]
    }

    private mutating func choose(_ index: Int, candidates: [CandidateNode], clusterSelector: String?,
                                 now: Int) -> [FlushDirective] {
        let progress = vms[index]
        let vm = progress.vm
        // The record may have moved on while the node list was read: stopped, failed, or moved
        // by someone else. Then there is nothing to choose for.
        let record = progress.record
        let stillHere = record.isTransitional || (record.node == node && (record.state == .start || record.state == nil))
        if !stillHere { return decide(index, now: now) }
        // Its original home when it is here only for a while (PVC step 3), else this node.
        let home = vm.lastNode.isEmpty ? node : vm.lastNode
        let inFlight = inFlightLoad
        func pick(_ pool: [CandidateNode]) -> TargetChoice {
            TargetSelection.choose(vm: vm.name, currentNode: home, nodeLimit: vm.nodeLimit,
                                   vmSelector: vm.nodeSelector, clusterSelector: clusterSelector,
                                   candidates: pool, inFlight: inFlight)
        }
        // A node that failed this VM once is avoided while another is eligible: the usual causes
        // (a CPU model or bridge the target lacks, too little memory for the guest, a libvirtd that
        // refuses connections) do not go away in the seconds between attempts, so another node
        // is the better bet; but when it is the only one left, it is tried again (the cause may
        // have been passing: a network blip, a busy target).
        var choice = pick(candidates.filter { !progress.failedTargets.contains($0.name) })
        var out: [FlushDirective] = []
        if choice.target == nil && !progress.failedTargets.isEmpty {
            choice = pick(candidates)
            if choice.target != nil {
                out.append(.note("\(vm.name): only nodes that failed it before remain"))
            }
        }
        for warning in choice.warnings where !warned.contains(warning) {
            warned.insert(warning)
            out.append(.note(warning))
        }
        let attempt = progress.attempts + 1
        let until = now + settings.attemptDeadline
        if let target = choice.target, target != node, target != home {
            vms[index].attempts = attempt
            vms[index].phase = .migrating(target: target, until: until, confirmed: false)
            return out + [.note("\(vm.name): attempt \(attempt)/\(settings.maxRetries) to \(choice.summary)"),
                          .writeMigration(uuid: vm.uuid, state: .migrate, node: target, lastNode: home),
                          .wake(at: until)]
        }
        // No target (PVC step 4): only a VM that runs is shut down to be started again on ready.
        let state = progress.record.state
        guard state == .start || state?.isMigration == true else {
            return out + settle(index, .failed("\(choice.summary); \(progress.record.summary) cannot be shut down"),
                                writeReason: true)
        }
        vms[index].attempts = attempt
        vms[index].phase = .shuttingDown(until: until, confirmed: false)
        return out + [.note("\(vm.name): attempt \(attempt)/\(settings.maxRetries): \(choice.summary); "
                          + "shutting it down with autostart"),
                      .writeShutdown(uuid: vm.uuid), .wake(at: until)]
    }

    /// A record after this flush's migration write was committed.
    private mutating func judgeMigration(_ index: Int, target: String, now: Int) -> [FlushDirective] {
        let record = vms[index].record
        let name = vms[index].vm.name
        if record.isTransitional { return [] }
        switch record.state {
        case .start?:
            if record.node == target { return settle(index, .moved(to: target)) }
            if record.node == node {
                return attemptFailed(index, target: target, why: "aborted (\(record.summary))", now: now)
            }
            return [.note("\(name): went to \(record.node), not \(target)")] + settle(index, .moved(to: record.node))
        case .fail?:
            // The node that failed it wrote its own failedreason (libvirt's words); kept.
            return [.note("\(name): \(record.summary) while moving to \(target); not retried")]
                + settle(index, .failed("\(record.summary) while moving to \(target)"))
        case nil:
            if record.node == node {
                return attemptFailed(index, target: target, why: "\(record.summary): no migration in progress",
                                     now: now)
            }
            return [.note("\(name): \(record.summary); taken as settled there")]
                + settle(index, .moved(to: record.node))
        case let state?:
            if record.node == node { return settle(index, .nothingToDo("\(state.rawValue) here, no longer running")) }
            return settle(index, .moved(to: record.node))
        }
    }

    /// A record after this flush's shutdown write was committed.
    private mutating func judgeShutdown(_ index: Int, now: Int) -> [FlushDirective] {
        let record = vms[index].record
        let name = vms[index].vm.name
        if record.isTransitional { return [] }
        switch record.state {
        case .stop?, .disable?:
            return settle(index, .shutDown)
        case .start?:
            if record.node == node {
                return attemptFailed(index, target: nil, why: "started again before it was off", now: now)
            }
            return settle(index, .moved(to: record.node))
        case .fail?:
            return [.note("\(name): \(record.summary) while shutting down")]
                + settle(index, .failed("\(record.summary) while shutting down"))
        case nil:
            if record.node == node {
                return attemptFailed(index, target: nil, why: "\(record.summary): not shutting down", now: now)
            }
            return [.note("\(name): \(record.summary); taken as settled there")]
                + settle(index, .moved(to: record.node))
        case let state?:
            return settle(index, .nothingToDo("\(state.rawValue) on \(record.node)"))
        }
    }

    /// An attempt ended without the VM leaving: another while attempts remain, else the VM failed.
    private mutating func attemptFailed(_ index: Int, target: String?, why: String, now: Int) -> [FlushDirective] {
        let progress = vms[index]
        let line = "attempt \(progress.attempts)\(target.map { " to \($0)" } ?? ""): \(why)"
        vms[index].failures.append(line)
        if let target, !progress.failedTargets.contains(target) { vms[index].failedTargets.append(target) }
        var out: [FlushDirective] = [.note("\(progress.vm.name): \(line)")]
        if progress.attempts < settings.maxRetries {
            out += startChoosing(index, now: now)
        } else {
            out += giveUp(index, why: nil)
        }
        return out
    }

    /// The VM cannot leave: `failedreason` says why, naming every attempt and its target.
    /// - Parameter why: nil when the attempts ran out.
    private mutating func giveUp(_ index: Int, why: String?) -> [FlushDirective] {
        let failures = vms[index].failures
        var reason = "flush of \(node): could not move it"
        if let why { reason += ": \(why)" } else { reason += " in \(failures.count) attempt(s)" }
        if !failures.isEmpty { reason += (why == nil ? ": " : "; before: ") + failures.joined(separator: "; ") }
        return settle(index, .failed(reason), writeReason: true)
    }

    private mutating func settle(_ index: Int, _ outcome: FlushOutcome, writeReason: Bool = false) -> [FlushDirective] {
        vms[index].phase = .settled(outcome)
        let vm = vms[index].vm
        var out: [FlushDirective] = [.note("\(vm.name): \(outcome.summary)")]
        if writeReason, case .failed(let reason) = outcome {
            out.append(.writeFailedReason(uuid: vm.uuid, reason: reason))
        }
        return out
    }

    private mutating func finish() -> [FlushDirective] {
        let failed = vms.filter { $0.outcome?.isFailure == true }.map(\.vm.name)
        if failed.isEmpty {
            status = .finished(.flushed)
            return [.note("flush of \(node) done: \(vms.count) VM(s) settled"),
                    .writeDomainState(.flushed, clearRunningDomains: true)]
        }
        // The VMs that stayed still run here: runningdomains stays as their actors keep it.
        status = .finished(.flushFailed)
        return [.note("flush of \(node) failed: could not move \(failed.joined(separator: ", "))"),
                .writeDomainState(.flushFailed, clearRunningDomains: false)]
    }

    private func index(of uuid: String) -> Int? {
        vms.firstIndex { $0.vm.uuid == uuid }
    }

    static func seconds(_ milliseconds: Int) -> String {
        milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(Double(milliseconds) / 1000) s"
    }
}
