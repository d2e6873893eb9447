/// One acquisition's progress through Kazoo's lock protocol: create a contender node, find the
/// nearest lower contender that blocks us, wait for it to go, and repeat until none is left.
struct LockContention: Sendable {
    let store: any CoordinationStore
    let lockPath: String
    let kind: LockKind
    let data: [UInt8]
    let prefix: String

    /// Our contender node's name once we know it.
    private(set) var node: String?
    /// Whether a create was sent: from then on a node of ours may exist even if we never learned its
    /// name, and both the retry and the cleanup must look for it by prefix.
    private(set) var mayHaveCreated = false

    init(store: any CoordinationStore, lockPath: String, kind: LockKind, data: [UInt8], prefix: String) {
        self.store = store
        self.lockPath = lockPath
        self.kind = kind
        self.data = data
        self.prefix = prefix
    }

    private enum Standing {
        case holder
        case blocked(by: String)
        /// Our node is not among the children: someone deleted it (or the whole lock path).
        case vanished
    }

    /// Returns our contender node's name once we hold the lock.
    mutating func run(until deadline: ContinuousClock.Instant, timeout: Duration) async throws -> String {
        var failuresInARow = 0
        while true {
            try Task.checkCancellation()
            do {
                let mine = try await ensureContender()
                switch try await standing(of: mine) {
                case .holder:
                    // A caller that gave up must not be handed a lock it will never release.
                    try Task.checkCancellation()
                    return mine
                case .vanished:
                    // Kazoo retries from the top in this case; so do we, looking for our node first.
                    node = nil
                case .blocked(let predecessor):
                    failuresInARow = 0
                    try await waitForDeparture(of: predecessor, until: deadline, timeout: timeout)
                }
            } catch where store.isRetryable(error) {
                failuresInARow += 1
                try await waitForConnection(until: deadline, timeout: timeout, failuresInARow: failuresInARow)
            }
        }
    }

    private mutating func ensureContender() async throws -> String {
        if let node { return node }
        if mayHaveCreated, let found = try await findOwnNode() {
            node = found
            return found
        }
        mayHaveCreated = true
        // Kazoo ensures the lock path before creating; making parents on demand does the same
        // without a round trip when the path is already there.
        let created = try await store.create(PathRules.join(lockPath, prefix), data: data,
                                             mode: .ephemeralSequential, makeParents: true)
        let name = PathRules.name(of: created)
        node = name
        return name
    }

    private func findOwnNode() async throws -> String? {
        do {
            return try await store.children(lockPath).first { $0.hasPrefix(prefix) }
        } catch let error as CoordinationError where error.code == .noNode {
            return nil
        }
    }

    /// Kazoo's `_get_predecessor`: the highest-sequenced contender below ours whose marker blocks our
    /// kind. Children that are not contenders are ignored; so is every contender above us, which
    /// is what lets a reader that queued before a writer go ahead of it.
    ///
    /// Kazoo 2.8 (installed here) lets a `ReadLock` wait for *any* `__lock__` node, even one queued
    /// after it, because its own `__rlock__` node does not match its own pattern; that deadlocks a
    /// reader against a later writer (python-zk/kazoo#649) and later Kazoo compares sequences
    /// instead. We follow the fixed rule; the nodes we write are the same either way.
    private func standing(of mine: String) async throws -> Standing {
        let children: [String]
        do {
            children = try await store.children(lockPath)
        } catch let error as CoordinationError where error.code == .noNode {
            return .vanished
        }
        guard children.contains(mine) else { return .vanished }
        // Our own name is `prefix + sequence` by construction, as Kazoo reads it.
        let ownSequence = String(mine.dropFirst(prefix.count))
        let predecessor = children
            .compactMap(ContenderName.init)
            .filter { kind.isBlocked(by: $0.marker) && $0.sequence < ownSequence }
            .max { $0.sequence < $1.sequence }
        return predecessor.map { .blocked(by: $0.name) } ?? .holder
    }

    /// Watches only the one node we queue behind, so a release wakes one waiter, not all of them.
    /// A data watch, as Kazoo's `get(predecessor, watch)`: it is set only if the node is still
    /// there, where an exists-watch on a vanished contender would stay registered on the server
    /// for a name nobody will ever create again.
    private func waitForDeparture(of predecessor: String, until deadline: ContinuousClock.Instant,
                                  timeout: Duration) async throws {
        let signal = WatchSignal()
        do {
            _ = try await store.get(PathRules.join(lockPath, predecessor), watch: signal)
        } catch let error as CoordinationError where error.code == .noNode {
            return
        }
        let remaining = deadline.remaining
        guard remaining > .zero else { throw lockTimeout(timeout) }
        do {
            // Any event (deleted, or its data changed) sends us back to re-read the children.
            // A session that ends fails the watch, and that error goes up as it is.
            _ = try await signal.wait(timeout: remaining)
        } catch let error as CoordinationError where error.code == .operationTimeout {
            throw lockTimeout(timeout)
        }
    }

    private func waitForConnection(until deadline: ContinuousClock.Instant, timeout: Duration,
                                   failuresInARow: Int) async throws {
        let remaining = deadline.remaining
        guard remaining > .zero else { throw lockTimeout(timeout) }
        let outcome = await store.waitForConnection(timeout: min(remaining, store.recipeWaitBound),
                                                    afterReconnect: failuresInARow > 1)
        try Task.checkCancellation()
        switch outcome {
        case .ended(let state):
            throw state.endError(path: lockPath)
        case .timedOut where deadline.remaining <= .zero:
            throw lockTimeout(timeout)
        case .connected, .timedOut:
            return
        }
    }

    private func lockTimeout(_ timeout: Duration) -> CoordinationError {
        CoordinationError(.lockTimeout, path: lockPath, detail: "\(kind) lock not acquired within \(timeout)")
    }
}
