/// One ready of this node (domainstate `unflush` → `ready`, PVC's unflush): pvc-node-daemon.md §8,
/// with these changes:
/// - VMs whose `lastnode` is this node and that run elsewhere come home live (`migrate-live`),
///   up to `maxParallel` at once, each up to `maxRetries` attempts bounded by `attemptDeadline`;
/// - a VM with `lastnode` == this node that is not running (stop, disable, fail, ...) is only
///   reassigned on paper (`node` here, `lastnode` ""), its state left alone: PVC wrote `migrate`,
///   in which such a VM then sat for ever (§15 question 6);
/// - a VM that could not come home gets `failedreason` and keeps `lastnode` == this node (a later
///   ready tries again), and is named in a note; the node still ends `ready`: it is usable, and
///   holding it out of service for a VM that runs fine elsewhere helps nobody.
///
/// Per VM of the cluster (in name order, then UUID):
/// 1. `node_autostart` `True` and `node` == this node → `start` here, `lastnode` "", autostart
///    `False` (one write, not waited for, as PVC).
/// 2. Else `lastnode` == this node:
///    - in a transition (`restart`, `shutdown`, a migration) → waited out first (one deadline);
///    - `start` on another node → `migrate-live` to here, `lastnode` "" and waited for: success
///      when `start` here; a failed attempt when `start` elsewhere again (the live migration was
///      aborted), or the deadline passes; `fail` ends it (no retry);
///    - `start` here already → `lastnode` cleared;
///    - not running → home on paper;
///    - unreadable state → left alone and reported (it might run anywhere);
///    - `delete` → left alone.
/// 3. When every homecoming has settled: domainstate `ready`.
public struct NodeReady: Sendable, Equatable {
    /// This node.
    public let node: String
    public let settings: FlushSettings
    /// The VMs this ready concerns (autostart here, or `lastnode` here), in the order handled.
    public private(set) var vms: [FlushProgress]
    public private(set) var status: FlushStatus = .notStarted

    /// - Parameter vms: every VM of the cluster, as read after their watches were set; those that
    ///   do not concern this node are dropped.
    public init(node: String, settings: FlushSettings, vms: [FlushVM]) {
        self.node = node
        self.settings = settings
        self.vms = vms.filter { ($0.autostart && $0.node == node) || $0.lastNode == node }
            .sorted(by: FlushVM.precedes).map(FlushProgress.init)
    }

    // MARK: Queries

    public var inFlightCount: Int { vms.count { $0.phase.isInFlight } }

    public func progress(of uuid: String) -> FlushProgress? {
        vms.first { $0.vm.uuid == uuid }
    }

    // MARK: Events

    /// Begins the ready: the writes that are not waited for go out at once, homecomings as slots
    /// allow.
    public mutating func onStart(now: Int) -> [FlushDirective] {
        guard status == .notStarted else { return [] }
        status = .running
        var out: [FlushDirective] = [.note("ready of \(node): \(vms.count) VM(s) concern it, up to "
            + "\(settings.maxParallel) homecoming(s) at once, \(settings.maxRetries) attempt(s) each")]
        for index in vms.indices {
            let vm = vms[index].vm
            if vm.autostart && vm.node == node {
                vms[index].phase = .settled(.started)
                out += [.note("\(vm.name): autostart"), .writeAutostart(uuid: vm.uuid, node: node)]
            }
        }
        return (out + advance(now: now)).withoutRepeatedWakes
    }

    /// The answer to `writeMigration`.
    public mutating func onWritten(uuid: String, error: String?, now: Int) -> [FlushDirective] {
        guard status == .running, let index = index(of: uuid),
              case .migrating(let target, let until, false) = vms[index].phase else { return [] }
        var out: [FlushDirective] = []
        if let error {
            out += attemptFailed(index, why: "the write failed: \(error)", now: now)
        } else {
            vms[index].phase = .migrating(target: target, until: until, confirmed: true)
            out.append(.readRecord(uuid: uuid))
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
        case .queued:
            vms[index].record = record
        case .waitingOut:
            vms[index].record = record
            if !record.isTransitional { out += decide(index, now: now) }
        case .migrating(_, _, let confirmed):
            guard confirmed else { return [] }
            vms[index].record = record
            out += judge(index, now: now)
        case .choosing, .shuttingDown, .settled:
            return []
        }
        return (out + advance(now: now)).withoutRepeatedWakes
    }

    /// A `wake` came due (or any tick): every wait past its deadline gives up.
    public mutating func onTick(now: Int) -> [FlushDirective] {
        guard status == .running else { return [] }
        var out: [FlushDirective] = []
        let seconds = NodeFlush.seconds(settings.attemptDeadline)
        for index in vms.indices {
            guard let deadline = vms[index].phase.deadline, now >= deadline else { continue }
            let record = vms[index].record
            switch vms[index].phase {
            case .waitingOut:
                out += giveUp(index, why: "still \(record.summary) after \(seconds)")
            case .migrating:
                out += attemptFailed(index, why: "no outcome within \(seconds) (\(record.summary))", now: now)
            default:
                break
            }
        }
        return (out + advance(now: now)).withoutRepeatedWakes
    }

    /// A newer flush or ready replaces this one; see `NodeFlush.onCancelled`.
    public mutating func onCancelled(now: Int) -> [FlushDirective] {
        guard !status.isOver else { return [] }
        status = .cancelled
        return [.note(FlushProgress.cancellationNote("ready of \(node)", vms))]
    }

    // MARK: Decisions

    private mutating func advance(now: Int) -> [FlushDirective] {
        guard status == .running else { return [] }
        var out: [FlushDirective] = []
        while inFlightCount < settings.maxParallel, let index = vms.firstIndex(where: { $0.phase == .queued }) {
            out += begin(index, now: now)
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
        return decide(index, now: now)
    }

    /// The VM is not in a transition: what it needs now.
    private mutating func decide(_ index: Int, now: Int) -> [FlushDirective] {
        let record = vms[index].record
        let vm = vms[index].vm
        if record.lastNode != node {
            // Moved for good meanwhile (`vm move`, or another ready): no longer this node's to
            // bring home.
            return settle(index, .nothingToDo("lastnode is now \(record.lastNode.isEmpty ? "empty" : record.lastNode)"))
        }
        switch record.state {
        case .start?:
            if record.node != node { return migrateHome(index, now: now) }
            return [.writeHome(uuid: vm.uuid, node: node)] + settle(index, .moved(to: node))
        case nil:
            // It might run anywhere: writing `node` here could leave it running unowned.
            return giveUp(index, why: "\(record.summary); left as it is")
        case .delete?:
            return settle(index, .nothingToDo("being deleted"))
        case let state?:
            // Not running: home on paper, and stays stopped (PVC put it in `migrate`, §15 q6).
            return [.note("\(vm.name): \(state.rawValue) on \(record.node); reassigned here, state left alone"),
                    .writeHome(uuid: vm.uuid, node: node)] + settle(index, .reassigned)
        }
    }

    private mutating func migrateHome(_ index: Int, now: Int) -> [FlushDirective] {
        let vm = vms[index].vm
        let attempt = vms[index].attempts + 1
        let until = now + settings.attemptDeadline
        vms[index].attempts = attempt
        vms[index].phase = .migrating(target: node, until: until, confirmed: false)
        return [.note("\(vm.name): attempt \(attempt)/\(settings.maxRetries) to come home from \(vms[index].record.node)"),
                .writeMigration(uuid: vm.uuid, state: .migrateLive, node: node, lastNode: ""),
                .wake(at: until)]
    }

    /// A record after this ready's homecoming write was committed.
    private mutating func judge(_ index: Int, now: Int) -> [FlushDirective] {
        let record = vms[index].record
        let vm = vms[index].vm
        if record.isTransitional { return [] }
        switch record.state {
        case .start?:
            if record.node == node { return settle(index, .moved(to: node)) }
            return attemptFailed(index, why: "aborted (\(record.summary))", now: now)
        case .fail?:
            // The node that failed it wrote its own failedreason (libvirt's words); kept.
            return [.note("\(vm.name): \(record.summary) while coming home; not retried")]
                + settle(index, .failed("\(record.summary) while coming home"))
        case nil:
            if record.node == node {
                return [.note("\(vm.name): \(record.summary); taken as home")] + settle(index, .moved(to: node))
            }
            return attemptFailed(index, why: "\(record.summary): no migration in progress", now: now)
        case let state?:
            // Stopped (or disabled, ...) meanwhile: it comes home on paper like any stopped VM.
            if record.node == node { return settle(index, .reassigned) }
            return [.note("\(vm.name): \(state.rawValue) on \(record.node) while coming home; reassigned here"),
                    .writeHome(uuid: vm.uuid, node: node)] + settle(index, .reassigned)
        }
    }

    private mutating func attemptFailed(_ index: Int, why: String, now: Int) -> [FlushDirective] {
        let progress = vms[index]
        let line = "attempt \(progress.attempts): \(why)"
        vms[index].failures.append(line)
        let out: [FlushDirective] = [.note("\(progress.vm.name): \(line)")]
        guard progress.attempts < settings.maxRetries else {
            return out + giveUp(index, why: nil)
        }
        // Retry = the same write again (this node is the only target).
        return out + migrateHome(index, now: now)
    }

    /// The VM could not come home. When this ready's write cleared its `lastnode`, it is put back
    /// (with the reason) so that a later ready tries again.
    /// - Parameter why: nil when the attempts ran out.
    private mutating func giveUp(_ index: Int, why: String?) -> [FlushDirective] {
        let progress = vms[index]
        var reason = "ready of \(node): could not bring it home"
        if let why { reason += ": \(why)" } else { reason += " in \(progress.failures.count) attempt(s)" }
        if !progress.failures.isEmpty { reason += (why == nil ? ": " : "; before: ") + progress.failures.joined(separator: "; ") }
        vms[index].phase = .settled(.failed(reason))
        let write: FlushDirective = progress.attempts > 0
            ? .writeNotHome(uuid: progress.vm.uuid, lastNode: node, reason: reason)
            : .writeFailedReason(uuid: progress.vm.uuid, reason: reason)
        return [.note("\(progress.vm.name): \(FlushOutcome.failed(reason).summary)"), write]
    }

    private mutating func settle(_ index: Int, _ outcome: FlushOutcome) -> [FlushDirective] {
        vms[index].phase = .settled(outcome)
        return [.note("\(vms[index].vm.name): \(outcome.summary)")]
    }

    private mutating func finish() -> [FlushDirective] {
        status = .finished(.ready)
        let failed = vms.filter { $0.outcome?.isFailure == true }.map(\.vm.name)
        let text = failed.isEmpty ? "ready of \(node) done: \(vms.count) VM(s) settled"
            : "ready of \(node) done, but not home: \(failed.joined(separator: ", ")) (see their failedreason)"
        return [.note(text), .writeDomainState(.ready, clearRunningDomains: false)]
    }

    private func index(of uuid: String) -> Int? {
        vms.firstIndex { $0.vm.uuid == uuid }
    }
}
