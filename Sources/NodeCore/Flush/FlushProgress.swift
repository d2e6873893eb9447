/// Where one VM of a flush or a ready stands.
public enum FlushPhase: Sendable, Equatable {
    /// Not begun: waiting for a free slot (`maxParallel`).
    case queued
    /// Waiting for a transition another actor runs (`restart`, `shutdown`, a migration) to end
    /// before deciding (PVC flush step 2), at most until `until`.
    case waitingOut(until: Int)
    /// Flush: waiting for the node list to pick a target, at most until `until`.
    case choosing(until: Int)
    /// Waiting for a migration this core wrote to end. `confirmed`: the runtime said the write is
    /// committed, so records now tell the outcome (before, they may predate the write).
    /// For a ready, `target` is this node (a homecoming).
    case migrating(target: String, until: Int, confirmed: Bool)
    /// Flush, no target: waiting for the shutdown this core wrote to end in `stop`.
    case shuttingDown(until: Int, confirmed: Bool)
    /// Done with it.
    case settled(FlushOutcome)

    /// The moment this phase gives up, if it waits.
    public var deadline: Int? {
        switch self {
        case .waitingOut(let until), .choosing(let until), .migrating(_, let until, _), .shuttingDown(let until, _):
            until
        case .queued, .settled:
            nil
        }
    }

    /// Holds one of the `maxParallel` slots.
    public var isInFlight: Bool { deadline != nil }

    public var isSettled: Bool {
        if case .settled = self { return true }
        return false
    }
}

/// One VM's part in a flush or a ready.
public struct FlushProgress: Sendable, Equatable {
    public let vm: FlushVM
    /// The VM's keys as last seen.
    public internal(set) var record: ObservedRecord
    public internal(set) var phase: FlushPhase
    /// Attempts begun: writes this core made for the VM, plus waits for the node list that timed
    /// out. Never more than `maxRetries`.
    public internal(set) var attempts: Int = 0
    /// One line per failed attempt, for the note and the `failedreason` at the end.
    public internal(set) var failures: [String] = []
    /// Targets an attempt failed on, in order (a flush avoids them while another node exists).
    public internal(set) var failedTargets: [String] = []

    init(vm: FlushVM) {
        self.vm = vm
        record = ObservedRecord(state: vm.state, node: vm.node, lastNode: vm.lastNode)
        phase = .queued
    }

    /// For the cancellation note: what the VM is doing now.
    var activity: String {
        switch phase {
        case .queued: "not begun"
        case .waitingOut: "waiting for \(record.summary) to finish"
        case .choosing: "waiting for the node list"
        case .migrating(let target, _, _): "migrating to \(target)"
        case .shuttingDown: "shutting down"
        case .settled(let outcome): outcome.summary
        }
    }

    public var outcome: FlushOutcome? {
        if case .settled(let outcome) = phase { return outcome }
        return nil
    }

    /// What a cancelled flush or ready leaves: the VMs on their way (they keep going under their
    /// own VM actors) and those not begun.
    static func cancellationNote(_ run: String, _ vms: [FlushProgress]) -> String {
        let moving = vms.filter { $0.phase.isInFlight }.map { "\($0.vm.name) (\($0.activity))" }
        let queued = vms.filter { $0.phase == .queued }.map(\.vm.name)
        var text = "\(run) cancelled"
        text += moving.isEmpty ? "; nothing in flight" : "; in flight, left to their VM actors: "
            + moving.joined(separator: ", ")
        if !queued.isEmpty { text += "; not begun: " + queued.joined(separator: ", ") }
        return text
    }
}
