import Coordination
import HostNetwork
import Logging
import NodeCore
import Synchronization

/// The runtime of the primary role: feeds the `PrimaryContention` core its events one at a time
/// (the key's watch, the session, the handover marker, ticks, the node's own state) and carries
/// out each directive, bounded, feeding the answer straight back. One loop, so no watch can race
/// a decision; watches and timers only post events.
final class PrimaryRole: Sendable {
    enum Event: Sendable {
        case running
        case key(PrimaryKey?)
        case session(SessionState)
        case marker(String?)
        case tick(keepalive: Bool)
        case shutdown
    }


    let name: String
    private let store: any CoordinationStore
    private let paths: PrimaryPaths
    private let network: (any HostNetwork)?
    private let addresses: [FloatingNetwork: FloatingAddress]
    private let logger: Logger
    private let events: AsyncStream<Event>
    private let post: AsyncStream<Event>.Continuation
    private let state: Mutex<State>
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant
    /// How long `claim` waits for the exclusive lock on `/config/primary_node`: 0.4 s, PVC's, so a
    /// losing contender never holds the lock for long.
    static let claimLockTimeout = Duration.milliseconds(400)

    private struct State: Sendable {
        var core: PrimaryContention
        /// The primary-only duties run (today: the primary's keys in each keepalive).
        var dutiesActive = false
        var shutdownReady = false
        var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
        /// The version of this node's routerstate after its own last write; nil before the first
        /// (the registration's write came before the role) or after another node's.
        var ownRouterVersion: Int32?
    }

    init(name: String, role: NodeRole, store: any CoordinationStore, paths: PrimaryPaths, network: (any HostNetwork)?,
         addresses: [FloatingNetwork: FloatingAddress], timings: PrimaryTimings, logger: Logger) {
        self.name = name
        self.store = store
        self.paths = paths
        self.network = network
        self.addresses = addresses
        var logger = logger
        logger[metadataKey: "role"] = "primary"
        self.logger = logger
        let core = PrimaryContention(node: name, role: role, networks: addresses.keys.sorted(), timings: timings)
        state = Mutex(State(core: core))
        (events, post) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .unbounded)
        origin = clock.now
    }

    func send(_ event: Event) {
        post.yield(event)
    }

    var dutiesActive: Bool { state.withLock { $0.dutiesActive } }

    /// Asks the role to let go for a shutdown and waits until it has (a handover to a successor,
    /// or nobody to hand over to), at most `timeout`.
    func shutDown(timeout: Duration) async {
        send(.shutdown)
        _ = await boundedCall(timeout) { await self.shutdownReady() }
    }

    private func shutdownReady() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state in
                if !state.shutdownReady { state.shutdownWaiters.append(continuation) }
                return state.shutdownReady
            }
            if ready { continuation.resume() }
        }
    }

    /// Ends the role with the session: whatever it holds is dropped (the session can no longer
    /// vouch for it), then the loop ends. Returns once it has, at most `timeout`.
    func finish(timeout: Duration, running: Task<Void, Never>) async {
        send(.session(.expired))
        post.finish()
        _ = await boundedCall(timeout) { await running.value }
        running.cancel()
        // Nobody waits past the end of the role.
        let waiters = state.withLock { state in
            defer { state.shutdownWaiters = [] }
            return state.shutdownWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Runs the loop, the key's watch and the session's states until `finish`.
    func run(sessionStates: AsyncStream<SessionState>) async {
        let watchers = Task { [store, paths, post] in
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await value in store.watchData(paths.primaryNode) {
                        post.yield(.key(value.map { PrimaryKey(value: Self.text($0.data), version: $0.stat.version) }))
                    }
                }
                group.addTask {
                    for await session in sessionStates { post.yield(.session(session)) }
                }
            }
        }
        // Addresses left by an earlier run of this node (a crash, a kill) must not answer beside
        // the real primary's: nothing is held at start; a takeover adds them again.
        for network in addresses.keys.sorted() { await change(network, adding: false) }
        await loop()
        watchers.cancel()
    }

    private func loop() async {
        var markerWatch: Task<Void, Never>?
        // Pending wake-ups with their moments; fired ones are dropped as new ones come, so the
        // list holds only what is still ahead.
        var wakes: [(at: Int, task: Task<Void, Never>)] = []
        defer {
            markerWatch?.cancel()
            for wake in wakes { wake.task.cancel() }
        }
        for await event in events {
            let now = milliseconds()
            var queue: [PrimaryDirective] = state.withLock { state in
                switch event {
                case .running: return state.core.onDaemonRunning(now: now)
                case .key(let key): return state.core.onPrimaryNode(key, now: now)
                case .session(.suspended), .session(.connecting): return state.core.onSessionSuspended(now: now)
                case .session(.connected): return state.core.onSessionReconnected(now: now)
                case .session(.expired), .session(.closed): return state.core.onSessionExpired(now: now)
                case .marker(let text): return state.core.onMarker(text, now: now)
                case .tick(let keepalive):
                    return state.core.onTick(now: now, epochNow: ProcessEnvironment.epochSeconds, keepalive: keepalive)
                case .shutdown: return state.core.onShutdownRequested(now: now)
                }
            }
            while !queue.isEmpty {
                let directive = queue.removeFirst()
                switch directive {
                case .watchMarker:
                    markerWatch?.cancel()
                    markerWatch = Task { [store, paths, post] in
                        for await value in store.watchData(paths.syncLock) {
                            post.yield(.marker(value.map { Self.text($0.data) }))
                        }
                    }
                case .stopWatchingMarker:
                    markerWatch?.cancel()
                    markerWatch = nil
                case .wake(let at):
                    let now = milliseconds()
                    wakes.removeAll { $0.at < now }
                    let delay = Duration.milliseconds(max(0, at - now))
                    wakes.append((at, Task { [post] in
                        try? await Task.sleep(for: delay)
                        if !Task.isCancelled { post.yield(.tick(keepalive: false)) }
                    }))
                default:
                    queue += await perform(directive)
                }
            }
        }
    }

    // MARK: Directives

    private func perform(_ directive: PrimaryDirective) async -> [PrimaryDirective] {
        let now = { self.milliseconds() }
        switch directive {
        case .note(let text):
            logger.notice("\(text)")
            return []
        case .writeRouterState(let routerState):
            return await writeOwnRouterState(routerState)
        case .claim(let version):
            let won = await claim(expectedVersion: version)
            return state.withLock { $0.core.onClaimed(won, now: now()) }
        case .reassert(let version):
            await attempt("re-assert /config/primary_node") {
                _ = try await store.set(paths.primaryNode, data: Array(name.utf8), version: version)
            }
            return []
        case .vacate(let version):
            await attempt("vacate /config/primary_node") {
                _ = try await store.set(paths.primaryNode, data: Array(PrimaryKey.noneWord.utf8), version: version)
            }
            return []
        case .clearGonePrimary(let gone, let version, let routerVersion, let keepaliveVersion):
            await attempt("clear gone primary \(gone)") {
                let gonePaths = try paths.node(gone)
                var operations: [Operation] = []
                // A node that came back since the read (a keepalive, a registration) is left alone.
                if keepaliveVersion >= 0 { operations.append(.check(gonePaths.keepalive, version: keepaliveVersion)) }
                operations.append(.set(paths.primaryNode, data: Array(PrimaryKey.noneWord.utf8), version: version))
                operations.append(.set(gonePaths.routerState, data: Array(RouterState.secondary.rawValue.utf8),
                                       version: routerVersion >= 0 ? routerVersion : nil))
                _ = try await store.multi(operations)
            }
            return []
        case .readPrimaryNode:
            let key: PrimaryKey?
            do {
                let value = try await store.get(paths.primaryNode)
                key = PrimaryKey(value: Self.text(value.data), version: value.stat.version)
            } catch {
                logger.warning("cannot read /config/primary_node", metadata: ["error": "\(error)"])
                key = nil
            }
            return state.withLock { $0.core.onPrimaryNode(key, now: now()) }
        case .readPeers:
            let peers = await readPeers()
            return state.withLock { $0.core.onPeers(peers, epochNow: ProcessEnvironment.epochSeconds, now: now()) }
        case .checkLiveness(let peer):
            let keepalive: Int?
            do {
                keepalive = Int(Self.text(try await store.get(try paths.node(peer).keepalive).data))
            } catch {
                logger.warning("cannot read the primary's keepalive", metadata: ["node": "\(peer)", "error": "\(error)"])
                return []
            }
            return state.withLock {
                $0.core.onPrimaryKeepalive(peer, keepalive: keepalive, epochNow: ProcessEnvironment.epochSeconds, now: now())
            }
        case .readPeer(let peer):
            guard let router = await read(peer) else { return [] }
            return state.withLock {
                $0.core.onPrimaryLiveness(router, epochNow: ProcessEnvironment.epochSeconds, now: now())
            }
        case .enterTakeover(let checks, let clearing):
            let entered = await enterTakeover(checks: checks, clearing: clearing)
            return state.withLock { $0.core.onTakeoverEntered(entered, now: now()) }
        case .writeMarker(let epoch, let side, let phase):
            await writeMarker(epoch: epoch, side: side, phase: phase)
            return []
        case .addAddresses(let networks):
            for network in networks { await change(network, adding: true) }
            return state.withLock { $0.core.onAddressesAdded(now: now()) }
        case .removeAddresses(let networks):
            for network in networks { await change(network, adding: false) }
            return state.withLock { $0.core.onAddressesRemoved(now: now()) }
        case .startDuties:
            state.withLock { $0.dutiesActive = true }
            logger.info("primary duties started")
            return state.withLock { $0.core.onDutiesStarted(now: now()) }
        case .stopDuties:
            state.withLock { $0.dutiesActive = false }
            logger.info("primary duties stopped")
            return state.withLock { $0.core.onDutiesStopped(now: now()) }
        case .shutdownReady:
            let waiters = state.withLock { state in
                state.shutdownReady = true
                defer { state.shutdownWaiters = [] }
                return state.shutdownWaiters
            }
            for waiter in waiters { waiter.resume() }
            return []
        case .watchMarker, .stopWatchingMarker, .wake:
            return []  // handled by the loop
        }
    }

    /// PVC's contention on the wire: the exclusive Kazoo lock on `/config/primary_node` for 0.4 s,
    /// then our name only if the znode is still at the version the decision saw.
    private func claim(expectedVersion: Int32) async -> Bool? {
        let lock = CoordinationLock(store: store, path: paths.primaryNode, kind: .exclusive, identifier: name)
        let lease: LockLease
        do {
            lease = try await lock.acquire(timeout: Self.claimLockTimeout)
        } catch let error as CoordinationError where error.code == .lockTimeout {
            logger.info("timed out contending for /config/primary_node")
            return false
        } catch {
            logger.warning("cannot contend for /config/primary_node", metadata: ["error": "\(error)"])
            return nil
        }
        var won: Bool?
        do {
            _ = try await store.set(paths.primaryNode, data: Array(name.utf8), version: expectedVersion)
            logger.notice("won /config/primary_node", metadata: ["version": "\(expectedVersion)"])
            won = true
        } catch let error as CoordinationError where error.code == .badVersion {
            won = false
        } catch {
            logger.warning("cannot write /config/primary_node", metadata: ["error": "\(error)"])
        }
        do {
            try await lease.release()
        } catch {
            logger.warning("cannot release the lock on /config/primary_node", metadata: ["error": "\(error)"])
        }
        return won
    }

    private func enterTakeover(checks: [String: Int32], clearing: [String]) async -> Bool {
        do {
            var operations: [Operation] = []
            for (peer, version) in checks.sorted(by: { $0.key < $1.key }) {
                let path = try paths.node(peer).routerState
                if clearing.contains(peer) {
                    operations.append(.set(path, data: Array(RouterState.secondary.rawValue.utf8), version: version))
                } else {
                    operations.append(.check(path, version: version))
                }
            }
            operations.append(.set(try paths.node(name).routerState, data: Array(RouterState.takeover.rawValue.utf8)))
            let results = try await store.multi(operations)
            if case .set(let stat)? = results.last { state.withLock { $0.ownRouterVersion = stat.version } }
            return true
        } catch let error as CoordinationError where error.code == .badVersion || error.code == .noNode {
            logger.info("a peer's router state changed under the takeover", metadata: ["error": "\(error)"])
            return false
        } catch {
            logger.warning("cannot enter takeover", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// Own router state, compare-and-set on the version of this node's last write: if another
    /// node rewrote it (it judged this node gone and cleared it), the core lets the role go
    /// instead of writing over the other node's decision.
    private func writeOwnRouterState(_ routerState: RouterState) async -> [PrimaryDirective] {
        let expected = state.withLock { $0.ownRouterVersion }
        do {
            let stat = try await store.set(try paths.node(name).routerState, data: Array(routerState.rawValue.utf8),
                                           version: expected)
            state.withLock { $0.ownRouterVersion = stat.version }
            return []
        } catch let error as CoordinationError where error.code == .badVersion {
            logger.error("this node's router state was rewritten by another node", metadata: [
                "writing": "\(routerState.rawValue)", "expected_version": "\(expected.map(String.init) ?? "-")"])
            state.withLock { $0.ownRouterVersion = nil }
            return state.withLock { $0.core.onRouterStateTaken(now: milliseconds()) }
        } catch {
            logger.warning("write routerstate \(routerState.rawValue) failed", metadata: ["error": "\(error)"])
            return []
        }
    }

    private func writeMarker(epoch: Int32, side: HandoverSide, phase: HandoverPhase) async {
        for _ in 0..<3 {
            do {
                let current: NodeData?
                do {
                    current = try await store.get(paths.syncLock)
                } catch let error as CoordinationError where error.code == .noNode {
                    current = nil
                }
                let text = HandoverMarker.updating(current.map { Self.text($0.data) } ?? "", epoch: epoch, side: side,
                                                   node: name, phase: phase)
                if let current {
                    _ = try await store.set(paths.syncLock, data: Array(text.utf8), version: current.stat.version)
                } else {
                    _ = try await store.create(paths.syncLock, data: Array(text.utf8), mode: .persistent)
                }
                return
            } catch let error as CoordinationError where error.code == .badVersion || error.code == .nodeExists {
                continue  // the other side wrote its field meanwhile: read again
            } catch {
                logger.warning("cannot record handover progress", metadata: ["phase": "\(phase.rawValue)", "error": "\(error)"])
                return
            }
        }
        logger.warning("handover progress kept changing under us; the peer's bounded wait covers it",
                       metadata: ["phase": "\(phase.rawValue)"])
    }

    private func change(_ network: FloatingNetwork, adding: Bool) async {
        guard let address = addresses[network], let host = self.network else { return }
        do {
            if adding {
                try await host.add(address)
            } else {
                try await host.remove(address)
            }
        } catch {
            // The role moves on regardless: an address that cannot be added is an operator's
            // problem to see, not a reason to leave the cluster without a primary.
            logger.error("floating address \(adding ? "add" : "remove") failed",
                         metadata: ["network": "\(network.rawValue)", "address": "\(address)", "error": "\(error)"])
        }
    }

    private func readPeers() async -> [PeerRouter] {
        let names: [String]
        do {
            names = try await store.children(paths.nodes)
        } catch {
            logger.warning("cannot list the nodes", metadata: ["error": "\(error)"])
            return []
        }
        var peers: [PeerRouter] = []
        for peer in names.sorted() {
            if let router = await read(peer, coordinatorsOnly: true) { peers.append(router) }
        }
        return peers
    }

    /// One node's router state (with version), daemon state and keepalive; nil if it is not a
    /// coordinator (when asked) or cannot be read.
    private func read(_ peer: String, coordinatorsOnly: Bool = false) async -> PeerRouter? {
        do {
            let nodePaths = try paths.node(peer)
            if coordinatorsOnly {
                let mode = Self.text(try await store.get(nodePaths.daemonMode).data)
                guard mode == NodeRole.coordinator.rawValue else { return nil }
            }
            let router = try await store.get(nodePaths.routerState)
            let daemon = Self.text(try await store.get(nodePaths.daemonState).data)
            let keepaliveData = try await store.get(nodePaths.keepalive)
            let keepalive = Self.text(keepaliveData.data)
            let routerText = Self.text(router.data)
            let routerState = RouterState(rawValue: routerText)
            if routerState == nil {
                logger.warning("a node's router state is not a PVC word", metadata: [
                    "node": "\(peer)", "value": "\(routerText.prefix(64))"])
            }
            return PeerRouter(name: peer, routerState: routerState, routerStateVersion: router.stat.version,
                              daemonState: daemon, keepalive: Int(keepalive), keepaliveVersion: keepaliveData.stat.version,
                              sessionLive: await SessionMarker.isLive(peer, store: store, sessions: paths.sessions,
                                                                      logger: logger))
        } catch {
            logger.warning("cannot read a node's state", metadata: ["node": "\(peer)", "error": "\(error)"])
            return nil
        }
    }

    private func attempt(_ what: String, _ body: () async throws -> Void) async {
        do {
            try await body()
        } catch {
            logger.warning("\(what) failed", metadata: ["error": "\(error)"])
        }
    }

    private func milliseconds() -> Int {
        let elapsed = clock.now - origin
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }

    static func text(_ bytes: [UInt8]) -> String {
        String(String(decoding: bytes, as: UTF8.self).trimmingWhitespace)
    }
}
