/// One side of one handover of the primary role, in PVC's phase order (§3.3) but sequenced by
/// each side's recorded progress instead of sleeps and lock-queue timing:
///
/// - the candidate enters `takeover` in one transaction that checks no other coordinator's router
///   state changed since it saw none of them in `primary`/`takeover` (invariant 1 by
///   compare-and-set, not by timing), waits for the old primary to stop its duties (B), adds the
///   addresses phase by phase (C–F), waits for the old primary to have removed them, then starts
///   its duties (G) and writes `primary`;
/// - the old primary writes `relinquish`, stops its duties (B), removes each phase's addresses
///   only after the candidate added them, and writes `secondary`.
///
/// So duties stop on the old side before any address moves, each address is added before it is
/// removed, and duties start on the new side after every address moved. Every wait for the other
/// side ends after `stepTimeout`: a peer that died mid-way costs seconds, never a hang.
public struct Handover: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        case primary
        case secondary
        /// The candidate gave up this attempt without entering `takeover` (a live peer held on);
        /// it tries again at a later tick.
        case abandoned
    }

    enum Step: Sendable, Equatable {
        // The candidate's steps.
        case readingPeers
        case yielding(until: Int)
        case entering
        case adding(HandoverPhase)
        case startingDuties
        // The old primary's steps.
        case stoppingDuties
        case learningPeers
        case awaitingSuccessor(until: Int)
        case removing(HandoverPhase)
        // Either side, waiting for the other to reach a phase.
        case awaitingPeer(HandoverPhase, then: Resume, until: Int)
        case finished
    }

    /// Where a side goes on once the awaited phase is reached (or the wait timed out).
    enum Resume: Sendable, Equatable {
        case addFrom(HandoverPhase)
        case startDuties
        case remove(HandoverPhase)
    }

    public let node: String
    public let side: HandoverSide
    /// The version of `/config/primary_node` that named the candidate; markers of other epochs are
    /// ignored. A departing primary learns it when a successor is named.
    public private(set) var epoch: Int32
    /// The other side: the old primary a candidate waits for, the successor an old primary waits
    /// for; nil when there is none to wait for (gone, or no live coordinator to take over).
    public private(set) var peer: String?
    public private(set) var outcome: Outcome?
    /// Whether this side has written `takeover` (the candidate) — from then on it holds the role.
    public private(set) var enteredTakeover = false
    let networks: [FloatingNetwork]
    let timings: PrimaryTimings
    var step: Step
    var marker: HandoverMarker?
    var enterAttempts = 0

    /// The phases, C to F, that move at least one configured address.
    var workPhases: [HandoverPhase] {
        HandoverPhase.addressPhases.filter { !addresses(of: $0).isEmpty }
    }

    func addresses(of phase: HandoverPhase) -> [FloatingNetwork] {
        phase.networks.filter(networks.contains)
    }

    // MARK: Starting

    /// The candidate, named by `/config/primary_node` at version `epoch`.
    public static func takeover(node: String, epoch: Int32, networks: [FloatingNetwork],
                                timings: PrimaryTimings) -> (Handover, [PrimaryDirective]) {
        let handover = Handover(node: node, side: .takeover, epoch: epoch, peer: nil, networks: networks,
                                timings: timings, step: .readingPeers)
        return (handover, [.note("taking over as primary (epoch \(epoch))"), .watchMarker, .readPeers])
    }

    /// The old primary; `successor` is nil when none is named yet (the primary is shutting down and
    /// wrote `none`).
    public static func relinquish(node: String, epoch: Int32, successor: String?, networks: [FloatingNetwork],
                                  timings: PrimaryTimings) -> (Handover, [PrimaryDirective]) {
        let handover = Handover(node: node, side: .relinquish, epoch: epoch, peer: successor, networks: networks,
                                timings: timings, step: .stoppingDuties)
        let to = successor.map { "to \($0)" } ?? "with no successor named yet"
        return (handover, [.note("relinquishing primary \(to)"), .writeRouterState(.relinquish), .watchMarker,
                           .stopDuties])
    }

    // MARK: Events

    public mutating func onPeers(_ peers: [PeerRouter], epochNow: Int, now: Int) -> [PrimaryDirective] {
        let others = peers.filter { $0.name != node }
        switch step {
        case .readingPeers, .yielding:
            return candidateRead(others, epochNow: epochNow, now: now)
        case .learningPeers:
            let live = others.filter { !$0.isGone(epochNow: epochNow, deadAfter: timings.deadAfter) && $0.daemonState == "run" }
            if let successor = peer {
                if !live.contains(where: { $0.name == successor }) {
                    peer = nil
                    return [.note("successor \(successor) is not running; removing the addresses without waiting")]
                        + removeFrom(workPhases.first, now: now)
                }
                return removeFrom(workPhases.first, now: now)
            }
            if live.isEmpty {
                return [.note("no other coordinator is running; nobody to hand over to")] + removeFrom(workPhases.first, now: now)
            }
            let until = now + timings.stepTimeout
            step = .awaitingSuccessor(until: until)
            return [.wake(at: until)]
        default:
            return []
        }
    }

    /// `/config/primary_node` now names `successor` at `version` (the old primary learns whom it
    /// hands over to, and the epoch both sides use).
    public mutating func onSuccessorNamed(_ successor: String, version: Int32, now: Int) -> [PrimaryDirective] {
        guard side == .relinquish, outcome == nil, successor != node else { return [] }
        let changed = peer != successor || epoch != version
        peer = successor
        epoch = version
        guard changed else { return [] }
        var directives: [PrimaryDirective] = [.note("successor named: \(successor) (epoch \(version))")]
        switch step {
        case .awaitingSuccessor:
            directives.append(.writeMarker(epoch: epoch, side: .relinquish, phase: .b))
            directives += removeFrom(workPhases.first, now: now)
        case .learningPeers, .stoppingDuties:
            break
        default:
            // Already past B: re-announce it under the new epoch so the candidate sees it.
            directives.append(.writeMarker(epoch: epoch, side: .relinquish, phase: .b))
        }
        return directives
    }

    public mutating func onTakeoverEntered(_ succeeded: Bool, now: Int) -> [PrimaryDirective] {
        guard step == .entering else { return [] }
        guard succeeded else {
            enterAttempts += 1
            if enterAttempts >= timings.enterAttempts {
                return abandon("a peer's router state kept changing under the takeover transaction")
            }
            step = .readingPeers
            return [.note("a peer's router state changed; reading them again"), .readPeers]
        }
        enteredTakeover = true
        var directives: [PrimaryDirective] = [.writeMarker(epoch: epoch, side: .takeover, phase: .a)]
        if peer != nil {
            directives += awaitPeer(.b, then: .addFrom(workPhases.first ?? .g), now: now)
        } else {
            directives += addFrom(workPhases.first, now: now)
        }
        return directives
    }

    public mutating func onMarker(_ text: String?, now: Int) -> [PrimaryDirective] {
        marker = text.flatMap(HandoverMarker.init(parsing:))
        switch step {
        case .yielding:
            // The old primary moved (it writes `relinquish` before its first marker): look again.
            return [.readPeers]
        case .awaitingPeer(let phase, let resume, _):
            return reached(phase) ? proceed(resume, now: now) : []
        default:
            return []
        }
    }

    public mutating func onAddressesAdded(now: Int) -> [PrimaryDirective] {
        guard case .adding(let phase) = step else { return [] }
        return [.writeMarker(epoch: epoch, side: .takeover, phase: phase)] + addFrom(next(after: phase), now: now)
    }

    public mutating func onAddressesRemoved(now: Int) -> [PrimaryDirective] {
        guard case .removing(let phase) = step else { return [] }
        guard let following = next(after: phase) else {
            return removeFrom(nil, now: now)  // the final marker (F) says this phase too
        }
        return [.writeMarker(epoch: epoch, side: .relinquish, phase: phase)] + removeFrom(following, now: now)
    }

    public mutating func onDutiesStopped(now: Int) -> [PrimaryDirective] {
        guard step == .stoppingDuties else { return [] }
        step = .learningPeers
        return [.writeMarker(epoch: epoch, side: .relinquish, phase: .b), .readPeers]
    }

    public mutating func onDutiesStarted(now: Int) -> [PrimaryDirective] {
        guard step == .startingDuties else { return [] }
        step = .finished
        outcome = .primary
        return [.writeMarker(epoch: epoch, side: .takeover, phase: .g), .writeRouterState(.primary), .stopWatchingMarker,
                .note("primary")]
    }

    public mutating func onTick(now: Int) -> [PrimaryDirective] {
        switch step {
        case .yielding(let until) where now >= until:
            return abandon("a live peer still holds primary after \(timings.yieldTimeout) ms")
        case .yielding:
            return [.readPeers]
        case .awaitingSuccessor(let until) where now >= until:
            return [.note("no successor named within \(timings.stepTimeout) ms; removing the addresses")]
                + removeFrom(workPhases.first, now: now)
        case .awaitingPeer(let phase, let resume, let until) where now >= until:
            let who = peer ?? "the peer"
            peer = nil  // it missed one step; waiting for its next ones would only add timeouts
            return [.note("\(who) did not reach phase \(phase.rawValue) within \(timings.stepTimeout) ms; going on alone")]
                + proceed(resume, now: now)
        default:
            return []
        }
    }

    // MARK: Steps

    private mutating func candidateRead(_ others: [PeerRouter], epochNow: Int, now: Int) -> [PrimaryDirective] {
        let deadAfter = timings.deadAfter
        let holding = others.filter { $0.routerState?.holdsPrimary == true }
        let liveHolders = holding.filter { !$0.isGone(epochNow: epochNow, deadAfter: deadAfter) }
        if !liveHolders.isEmpty {
            let names = liveHolders.map(\.name).sorted().joined(separator: ", ")
            if case .yielding(let until) = step {
                return now >= until ? abandon("\(names) still holds primary after \(timings.yieldTimeout) ms") : []
            }
            let until = now + timings.yieldTimeout
            step = .yielding(until: until)
            return [.note("waiting for \(names) to let go of primary"), .wake(at: until)]
        }
        let clearing = others.filter { $0.routerState != nil && $0.routerState != .secondary && $0.routerState != .client
            && $0.isGone(epochNow: epochNow, deadAfter: deadAfter) }.map(\.name).sorted()
        peer = others.first {
            $0.routerState == .relinquish && !$0.isGone(epochNow: epochNow, deadAfter: deadAfter)
        }?.name
        var checks: [String: Int32] = [:]
        for other in others where !clearing.contains(other.name) { checks[other.name] = other.routerStateVersion }
        for name in clearing { checks[name] = others.first { $0.name == name }?.routerStateVersion }
        step = .entering
        var directives: [PrimaryDirective] = []
        if !clearing.isEmpty { directives.append(.note("clearing the router state of gone node(s) \(clearing.joined(separator: ", "))")) }
        return directives + [.enterTakeover(checks: checks, clearing: clearing)]
    }

    private mutating func addFrom(_ phase: HandoverPhase?, now: Int) -> [PrimaryDirective] {
        guard let phase, phase != .g else {
            // Every address is up: the old primary must have removed its copies before duties start.
            if peer != nil {
                let last = workPhases.last ?? .b
                if !reached(last) { return awaitPeer(last, then: .startDuties, now: now) }
            }
            return proceed(.startDuties, now: now)
        }
        step = .adding(phase)
        return [.addAddresses(addresses(of: phase))]
    }

    private mutating func removeFrom(_ phase: HandoverPhase?, now: Int) -> [PrimaryDirective] {
        guard let phase, phase != .g else {
            step = .finished
            outcome = .secondary
            return [.writeMarker(epoch: epoch, side: .relinquish, phase: .f), .writeRouterState(.secondary),
                    .stopWatchingMarker, .note("secondary")]
        }
        if peer != nil && !reached(phase) {
            return awaitPeer(phase, then: .remove(phase), now: now)
        }
        step = .removing(phase)
        return [.removeAddresses(addresses(of: phase))]
    }

    private mutating func proceed(_ resume: Resume, now: Int) -> [PrimaryDirective] {
        switch resume {
        case .addFrom(let phase):
            return addFrom(phase, now: now)
        case .startDuties:
            step = .startingDuties
            return [.startDuties]
        case .remove(let phase):
            step = .removing(phase)
            return [.removeAddresses(addresses(of: phase))]
        }
    }

    private mutating func awaitPeer(_ phase: HandoverPhase, then resume: Resume, now: Int) -> [PrimaryDirective] {
        if reached(phase) { return proceed(resume, now: now) }
        let until = now + timings.stepTimeout
        step = .awaitingPeer(phase, then: resume, until: until)
        return [.wake(at: until)]
    }

    /// Whether the other side recorded `phase` (or later) in this epoch.
    private func reached(_ phase: HandoverPhase) -> Bool {
        let other: HandoverSide = side == .takeover ? .relinquish : .takeover
        guard let peer, let progress = marker?.progress(of: other, epoch: epoch), progress.node == peer else {
            return false
        }
        return progress.phase >= phase
    }

    private func next(after phase: HandoverPhase) -> HandoverPhase? {
        workPhases.first { $0 > phase }
    }

    private mutating func abandon(_ reason: String) -> [PrimaryDirective] {
        step = .finished
        outcome = .abandoned
        return [.note("takeover abandoned: \(reason)"), .stopWatchingMarker]
    }
}
