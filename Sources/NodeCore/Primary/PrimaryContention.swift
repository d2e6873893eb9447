/// One node's part in the primary role: when to contend for `/config/primary_node`, when to take
/// over or let go, and when to drop the addresses because the session can no longer vouch for
/// the role. Pure: events in (the key's value and version, the node's own state, the session,
/// ticks, the outcome of each directive), directives out; time is passed in as milliseconds of a
/// monotonic clock, plus epoch seconds where keepalives are compared.
///
/// Rules beyond PVC's (pvc-node-daemon.md §3, §14.3 classes 1, 2, 14):
/// - every write of `/config/primary_node` is a compare-and-set on the version the decision saw;
/// - the primary re-asserts itself only when the key is empty, never over an operator's `none`;
/// - a primary suspended longer than `suspendedBound`, or whose session is presumed expired,
///   drops its addresses and duties at once (a peer can win only after `deadAfter`);
/// - a secondary clears a primary that is gone (stopped, dead, or keepalive older than
///   `deadAfter`) together with its stale router state, so a crash never leaves two `primary`s;
/// - a shutting-down primary waits for a successor only while one can exist, so a single-node
///   cluster stops at once.
public struct PrimaryContention: Sendable, Equatable {
    public enum Session: Sendable, Equatable {
        case connected
        case suspended(since: Int)
        case expired
    }

    public let node: String
    public let isCoordinator: Bool
    public let networks: [FloatingNetwork]
    public let timings: PrimaryTimings

    /// The router state this node last wrote (or registered with).
    public private(set) var routerState: RouterState
    public private(set) var key: PrimaryKey?
    public private(set) var session: Session = .connected
    public private(set) var handover: Handover?
    /// The addresses and duties were dropped for a suspended or expired session while the role
    /// was held; they come back only once a fresh read of the key still names this node.
    public private(set) var dropped = false
    var running = false
    var shuttingDown = false
    var shutdownReleased = false
    var claimInFlight = false
    /// The key's version this node last contended at: a claim that lost (or won) at a version is
    /// not repeated before the watch shows a newer one.
    var claimedAt: Int32?
    var awaitingFreshKey = false
    /// After an abandoned takeover, the next attempt waits until then (a tick brings it).
    var retryTakeoverAt: Int?
    /// The silent primary whose live session this node last said it waits on.
    var waitingOnSession: String?

    public init(node: String, role: NodeRole, networks: [FloatingNetwork], timings: PrimaryTimings = PrimaryTimings()) {
        self.node = node
        isCoordinator = role == .coordinator
        self.networks = networks.sorted()
        self.timings = timings
        routerState = role == .coordinator ? .secondary : .client
    }

    /// Whether the primary-only duties and the addresses are (being) held here.
    public var holdsRole: Bool {
        !dropped && (routerState == .primary || routerState == .relinquish || handover?.enteredTakeover == true)
    }

    // MARK: Events

    public mutating func onDaemonRunning(now: Int) -> [PrimaryDirective] {
        running = true
        return evaluate(now: now)
    }

    /// The watch on `/config/primary_node` (or a read of it); nil when the key is missing.
    public mutating func onPrimaryNode(_ key: PrimaryKey?, now: Int) -> [PrimaryDirective] {
        self.key = key
        var directives: [PrimaryDirective] = []
        if key == nil { directives.append(.note("/config/primary_node is missing; not contending")) }
        if awaitingFreshKey {
            awaitingFreshKey = false
            directives += resumeAfterReconnect(now: now)
        }
        if let key, var current = handover, current.side == .relinquish, !key.isVacant, !key.names(node) {
            directives += current.onSuccessorNamed(key.value, version: key.version, now: now)
            handover = current
        }
        if let current = handover, current.side == .takeover, !current.enteredTakeover, key?.names(node) != true {
            // Named no longer before holding anything: nothing to undo.
            handover = nil
            directives += [.note("no longer named primary; takeover not started"), .stopWatchingMarker]
        }
        return directives + evaluate(now: now)
    }

    /// The outcome of a `claim`: true if this node's name was written, false if the lock timed
    /// out or the version had moved on; nil for an error (all logged by the runtime).
    public mutating func onClaimed(_ won: Bool?, now: Int) -> [PrimaryDirective] {
        claimInFlight = false
        return won == true ? [] : [.note("did not win /config/primary_node")]
    }

    public mutating func onPeers(_ peers: [PeerRouter], epochNow: Int, now: Int) -> [PrimaryDirective] {
        forward(now: now) { $0.onPeers(peers, epochNow: epochNow, now: now) }
    }

    /// The keepalive of the node the key names (nil: missing or not a number). Fresh: nothing
    /// more to read this interval. Stale or unreadable: its states decide, read in full.
    public mutating func onPrimaryKeepalive(_ primary: String, keepalive: Int?, epochNow: Int, now: Int) -> [PrimaryDirective] {
        guard let key, key.names(primary), primary != node else { return [] }
        if let keepalive, epochNow - keepalive <= timings.deadAfter { return [] }
        return [.readPeer(primary)]
    }

    /// A secondary's check of the node the key names.
    public mutating func onPrimaryLiveness(_ primary: PeerRouter, epochNow: Int, now: Int) -> [PrimaryDirective] {
        guard isCoordinator, routerState == .secondary, handover == nil, session == .connected, running,
              let key, key.names(primary.name), primary.name != node else { return [] }
        guard primary.isGone(epochNow: epochNow, deadAfter: timings.deadAfter) else {
            let silent = primary.daemonState == "dead"
                || (primary.daemonState == "run" && primary.keepalive.map { epochNow - $0 > timings.deadAfter } == true)
            guard silent, primary.sessionLive, waitingOnSession != primary.name else { return [] }
            // Said once per silent primary, not at every keepalive while it lasts.
            waitingOnSession = primary.name
            return [.note("primary \(primary.name) is silent but its ZooKeeper session lives: it may still hold the "
                          + "addresses; waiting for its session to end or a fence")]
        }
        let why = primary.daemonState == "run"
            ? "its last keepalive is \(epochNow - (primary.keepalive ?? epochNow)) s old"
            : "its daemon state is \(primary.daemonState ?? "missing")"
        return [.note("primary \(primary.name) is gone (\(why)); clearing /config/primary_node"),
                .clearGonePrimary(name: primary.name, expectedVersion: key.version,
                                  routerStateVersion: primary.routerStateVersion, keepaliveVersion: primary.keepaliveVersion)]
    }

    public mutating func onTakeoverEntered(_ succeeded: Bool, now: Int) -> [PrimaryDirective] {
        var directives = forward(now: now) { $0.onTakeoverEntered(succeeded, now: now) }
        if handover?.enteredTakeover == true, routerState != .takeover {
            routerState = .takeover
            directives.insert(.note("router state takeover"), at: 0)
        }
        return directives
    }

    /// Another node wrote this node's router state (it judged this node gone and cleared it):
    /// whatever this node held or was doing for the role stops now, without writing anything, and
    /// the key decides afresh.
    public mutating func onRouterStateTaken(now: Int) -> [PrimaryDirective] {
        var directives: [PrimaryDirective] = [.note("another node rewrote this node's router state; letting the role go")]
        if holdsRole || handover != nil {
            directives += [.stopDuties, .removeAddresses(networks), .stopWatchingMarker]
        }
        handover = nil
        dropped = false
        routerState = .secondary
        if shuttingDown && !shutdownReleased {
            shutdownReleased = true
            return directives + [.shutdownReady]
        }
        // The node that cleared this one changed the key too; the cache may not show it yet.
        awaitingFreshKey = true
        return directives + [.readPrimaryNode]
    }

    public mutating func onMarker(_ text: String?, now: Int) -> [PrimaryDirective] {
        forward(now: now) { $0.onMarker(text, now: now) }
    }

    public mutating func onAddressesAdded(now: Int) -> [PrimaryDirective] {
        forward(now: now) { $0.onAddressesAdded(now: now) }
    }

    public mutating func onAddressesRemoved(now: Int) -> [PrimaryDirective] {
        forward(now: now) { $0.onAddressesRemoved(now: now) }
    }

    public mutating func onDutiesStarted(now: Int) -> [PrimaryDirective] {
        forward(now: now) { $0.onDutiesStarted(now: now) }
    }

    public mutating func onDutiesStopped(now: Int) -> [PrimaryDirective] {
        forward(now: now) { $0.onDutiesStopped(now: now) }
    }

    public mutating func onSessionSuspended(now: Int) -> [PrimaryDirective] {
        guard session == .connected else { return [] }
        session = .suspended(since: now)
        guard holdsRole else { return [] }
        return [.note("session suspended while holding the primary role; dropping it in \(timings.suspendedBound) ms unless it returns"),
                .wake(at: now + timings.suspendedBound)]
    }

    public mutating func onSessionReconnected(now: Int) -> [PrimaryDirective] {
        guard case .suspended = session else { return [] }
        session = .connected
        guard dropped else { return evaluate(now: now) }
        // The key may have moved while we were away; decide on a fresh read, not the cache.
        awaitingFreshKey = true
        return [.note("session back; reading /config/primary_node before taking the role up again"), .readPrimaryNode]
    }

    /// Presumed or confirmed: the session is gone, and with it any claim to the role. The daemon
    /// starts a new session, and a new core, from registration.
    public mutating func onSessionExpired(now: Int) -> [PrimaryDirective] {
        session = .expired
        var directives: [PrimaryDirective] = []
        if holdsRole { directives = drop("the session expired") }
        handover = nil
        if shuttingDown && !shutdownReleased {
            shutdownReleased = true
            directives.append(.shutdownReady)
        }
        return directives
    }

    /// `keepalive` is true for the keepalive ticks (a secondary checks the primary then), false for
    /// the wake-ups the core asked for.
    public mutating func onTick(now: Int, epochNow: Int, keepalive: Bool) -> [PrimaryDirective] {
        var directives: [PrimaryDirective] = []
        if case .suspended(let since) = session, now - since >= timings.suspendedBound, holdsRole {
            directives += drop("the session has been suspended for \(now - since) ms")
            handover = nil
        }
        directives += forward(now: now) { $0.onTick(now: now) }
        guard session == .connected else { return directives }
        // A keepalive tick retries a claim that nobody won (every lock wait timed out).
        if keepalive { claimedAt = nil }
        directives += evaluate(now: now)
        if keepalive, isCoordinator, running, !shuttingDown, routerState == .secondary, handover == nil,
           let key, !key.isVacant, !key.names(node) {
            directives.append(.checkLiveness(key.value))
        }
        return directives
    }

    public mutating func onShutdownRequested(now: Int) -> [PrimaryDirective] {
        guard !shuttingDown else { return [] }
        shuttingDown = true
        running = false
        if routerState == .primary, handover == nil, !dropped {
            var directives: [PrimaryDirective] = []
            if let key, key.names(node), session == .connected {
                directives.append(.vacate(expectedVersion: key.version))
            }
            let (started, startDirectives) = Handover.relinquish(node: node, epoch: key?.version ?? 0, successor: nil,
                                                                  networks: networks, timings: timings)
            handover = started
            routerState = .relinquish
            return directives + startDirectives
        }
        if let current = handover, current.side == .takeover, current.outcome == nil {
            // Half a takeover is worth nothing to a node that is leaving: undo it now.
            handover = nil
            var directives = [PrimaryDirective.note("shutdown during takeover; undoing it")]
            if current.enteredTakeover {
                directives += [.stopDuties, .removeAddresses(networks), .writeRouterState(.secondary)]
                routerState = .secondary
            }
            directives.append(.stopWatchingMarker)
            if let key, key.names(node) { directives.append(.vacate(expectedVersion: key.version)) }
            shutdownReleased = true
            return directives + [.shutdownReady]
        }
        if handover != nil { return [] }  // a relinquish in progress releases the shutdown when done
        shutdownReleased = true
        return [.shutdownReady]
    }

    // MARK: Decisions

    /// What the key and this node's state call for, when no handover is running.
    private mutating func evaluate(now: Int) -> [PrimaryDirective] {
        guard isCoordinator, session == .connected, handover == nil, !awaitingFreshKey, let key else { return [] }
        switch routerState {
        case .secondary, .takeover:
            if key.names(node) && running {
                if let retryAt = retryTakeoverAt, now < retryAt { return [] }
                retryTakeoverAt = nil
                let (started, directives) = Handover.takeover(node: node, epoch: key.version, networks: networks,
                                                               timings: timings)
                handover = started
                return directives
            }
            if routerState == .takeover {
                // A takeover left half-done by a lost session: nothing is held any more.
                routerState = .secondary
                return [.writeRouterState(.secondary)]
            }
            if key.isVacant && running && !claimInFlight && claimedAt != key.version {
                claimInFlight = true
                claimedAt = key.version
                return [.claim(expectedVersion: key.version)]
            }
            return []
        case .primary:
            if key.names(node) || key.isNone { return [] }
            if key.isEmpty {
                return shuttingDown ? [] : [.note("/config/primary_node is empty; re-asserting"),
                                            .reassert(expectedVersion: key.version)]
            }
            let (started, directives) = Handover.relinquish(node: node, epoch: key.version, successor: key.value,
                                                             networks: networks, timings: timings)
            handover = started
            routerState = .relinquish
            return directives
        case .relinquish:
            routerState = .secondary
            return [.writeRouterState(.secondary)]
        case .client:
            return []
        }
    }

    /// After a reconnect with the role dropped: take it up again only if the key still names this
    /// node; otherwise say so in the router state.
    private mutating func resumeAfterReconnect(now: Int) -> [PrimaryDirective] {
        dropped = false
        guard let key, key.names(node), running, !shuttingDown else {
            if routerState == .primary || routerState == .takeover || routerState == .relinquish {
                routerState = .secondary
                return [.note("the role moved on while the session was away"), .writeRouterState(.secondary)]
            }
            return []
        }
        if routerState == .primary {
            return [.note("the key still names this node; taking the addresses and duties up again"),
                    .addAddresses(networks), .startDuties]
        }
        return []
    }

    private mutating func drop(_ reason: String) -> [PrimaryDirective] {
        dropped = true
        return [.note("dropping the primary role: \(reason)"), .stopDuties, .removeAddresses(networks), .stopWatchingMarker]
    }

    /// Hands an event to the running handover and, once it finishes, takes its outcome.
    private mutating func forward(now: Int, _ event: (inout Handover) -> [PrimaryDirective]) -> [PrimaryDirective] {
        guard var current = handover else { return [] }
        var directives = event(&current)
        handover = current
        guard let outcome = current.outcome else { return directives }
        handover = nil
        switch outcome {
        case .primary: routerState = .primary
        case .secondary: routerState = .secondary
        case .abandoned: retryTakeoverAt = now + timings.stepTimeout
        }
        if shuttingDown && !shutdownReleased {
            shutdownReleased = true
            directives.append(.shutdownReady)
            return directives
        }
        // The key may have moved during the handover.
        return directives + evaluate(now: now)
    }
}
