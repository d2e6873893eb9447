import ClusterSchema
import Coordination
import Logging
import StorageReports
import Synchronization

/// The primary coordinator's Ceph statistics (PVC's "Ceph stats thread", pvc-node-daemon.md
/// §4.2): `/ceph`, `/ceph/health`, `/ceph/util`, each pool's and each OSD's `stats`, and our
/// `/ceph/updated`.
///
/// It runs beside the keepalive, never inside it: Ceph down must not delay a keepalive (PVC bug
/// class 3, a late keepalive gets a node fenced). Every call to Ceph is bounded (1 s, as PVC's
/// mon commands) and so is the whole round; when a round gets no answer the published figures
/// are marked stale (`StorageStaleness`) instead of being left silently old.
struct StorageStatsRun: Sendable {
    let store: any CoordinationStore
    let schema: SchemaVersion
    /// nil on a node without storage configured: `run()` returns at once.
    let source: (any StorageStatsSource)?
    /// The keepalive interval: one round per interval, and no round longer than it.
    let interval: Duration
    /// Whether this node is the primary coordinator now; only the primary publishes.
    let isPrimary: @Sendable () -> Bool
    let logger: Logger
    /// Unix seconds now; a parameter so tests can fix the clock.
    let now: @Sendable () -> Int
    /// PVC's mon command timeout.
    let commandTimeout: Duration

    init(store: any CoordinationStore, schema: SchemaVersion, source: (any StorageStatsSource)?,
         interval: Duration, isPrimary: @escaping @Sendable () -> Bool, logger: Logger,
         commandTimeout: Duration = .seconds(1),
         now: @escaping @Sendable () -> Int = { ProcessEnvironment.epochSeconds }) {
        self.store = store
        self.schema = schema
        self.source = source
        self.interval = interval
        self.isPrimary = isPrimary
        self.logger = logger
        self.commandTimeout = commandTimeout
        self.now = now
    }

    /// The mon commands, as PVC sends them (its `"format":"pretty"` is no format Ceph knows, so
    /// the text commands carry none and get the plain text PVC publishes).
    enum Command {
        static let status = #"{"prefix":"status"}"#
        static let health = #"{"prefix":"health","format":"json"}"#
        static let dfText = #"{"prefix":"df"}"#
        static let dfJSON = #"{"prefix":"df","format":"json"}"#
        static let osdDump = #"{"prefix":"osd dump","format":"json"}"#
        static let osdDF = #"{"prefix":"osd df","format":"json"}"#
        static let osdStatus = #"{"prefix":"osd status"}"#
    }

    /// Rounds every `interval` until cancelled, while this node is primary.
    func run() async {
        // No storage on this node, or no interval to pace rounds by: nothing to do, nothing to log.
        guard let source, interval > .zero else { return }
        let outstanding = OutstandingCalls()
        var term: Term?
        while !Task.isCancelled {
            let started = ContinuousClock.now
            if isPrimary() {
                var current: Term
                if let term {
                    current = term
                } else {
                    current = await startTerm()
                }
                await round(source, outstanding: outstanding, term: &current)
                term = current
            } else {
                // A later term starts from what is published then, not from this term's memory.
                term = nil
            }
            try? await Task.sleep(until: started + interval, clock: .continuous)
        }
    }

    /// A round takes the interval at most, but never less than its two sets of bounded calls (the
    /// pool list, then the pools, each a timeout and a margin) need.
    var roundBound: Duration {
        max(interval, commandTimeout * 3)
    }

    /// What one primary term remembers between rounds.
    struct Term {
        var staleness: StalenessTracker
        /// The last status text Ceph gave (or found published), shown under a STALE line.
        var lastStatus: String?
        /// Texts written this term by path, so an unchanged document is not rewritten.
        var written: [String: String] = [:]
        /// Pools and OSDs Ceph reports that PVC has no keys for, logged once each.
        var reportedUnknown: Set<String> = []
        var zooKeeper: OutageLog
    }

    /// Picks up what a previous primary published, so a new primary that finds Ceph down still
    /// says since when the figures are old.
    private func startTerm() async -> Term {
        var lastSuccess: Int?
        var lastStatus: String?
        do {
            let texts = try await store.texts([try schema.path("base.storage.updated"), try schema.path("base.storage")])
            lastSuccess = StorageStaleness.lastSuccess(publishedIn: texts[try schema.path("base.storage.updated")])
            lastStatus = texts[try schema.path("base.storage")].map(StorageStaleness.unmarked)
        } catch {
            logger.debug("Ceph statistics: could not read what was published before", metadata: ["error": "\(error)"])
        }
        return Term(staleness: StalenessTracker(lastSuccess: lastSuccess), lastStatus: lastStatus,
                    zooKeeper: OutageLog(logger: logger))
    }

    private func round(_ source: any StorageStatsSource, outstanding: OutstandingCalls, term: inout Term) async {
        let poolsPath: String
        let osdsPath: String
        let knownPools: Set<String>
        let knownOSDs: Set<String>
        do {
            poolsPath = try schema.path("base.pool")
            osdsPath = try schema.path("base.osd")
            knownPools = Set(try await store.items(poolsPath))
            knownOSDs = Set(try await store.items(osdsPath))
            term.zooKeeper.succeeded("Ceph statistics: reading pools and OSDs")
        } catch {
            term.zooKeeper.failed("Ceph statistics: reading pools and OSDs", "\(error)")
            return
        }

        let snapshot: StorageSnapshot
        if outstanding.count > 0 {
            // Never two rounds at once: calls that ignored their timeout still hold librados. (No
            // count in the reason: it would change as they return and rewrite the marks.)
            snapshot = StorageSnapshot(Self.failedAnswers("calls to Ceph of an earlier round still unanswered",
                                                         askOSDs: !knownOSDs.isEmpty))
        } else {
            let askOSDs = !knownOSDs.isEmpty
            let collected = await boundedCall(roundBound) { [self] in
                await collect(source, askOSDs: askOSDs, outstanding: outstanding)
            }
            switch collected {
            case .success(let answers)?:
                snapshot = StorageSnapshot(answers)
            case .failure(let error)?:
                snapshot = StorageSnapshot(Self.failedAnswers("\(error)", askOSDs: askOSDs))
            case nil:
                snapshot = StorageSnapshot(Self.failedAnswers("round not done within \(roundBound)", askOSDs: askOSDs))
            }
        }
        // The role may have moved while Ceph answered; the new primary publishes now.
        guard isPrimary() else { return }

        let change = snapshot.isComplete ? term.staleness.succeeded(at: now()) : term.staleness.failed(snapshot.reason)
        switch change {
        case .becameStale:
            logger.warning("Ceph statistics stale: \(snapshot.reason)")
        case .reasonChanged:
            logger.info("Ceph statistics still stale, now: \(snapshot.reason)")
        case .recovered:
            logger.notice("Ceph statistics current again")
        case .stillFresh, .stillStale:
            break
        }
        await publish(snapshot, change: change, knownPools: knownPools, knownOSDs: knownOSDs, term: &term)
    }

    private func publish(_ snapshot: StorageSnapshot, change: StalenessTracker.Change,
                         knownPools: Set<String>, knownOSDs: Set<String>, term: inout Term) async {
        var texts: [(String, String)] = []
        do {
            if let status = snapshot.status {
                term.lastStatus = status
                texts.append((try schema.path("base.storage"), status))
            } else if change == .becameStale || change == .reasonChanged {
                texts.append((try schema.path("base.storage"), term.staleness.current.statusText(term.lastStatus ?? "")))
            }
            if let health = snapshot.health { texts.append((try schema.path("base.storage.health"), health)) }
            if let utilization = snapshot.utilization { texts.append((try schema.path("base.storage.util"), utilization)) }
            texts.append((try schema.path("base.storage.updated"), term.staleness.current.updated.rendered))
            for (name, document) in (snapshot.pools ?? [:]).sorted(by: { $0.key < $1.key }) {
                if knownPools.contains(name) {
                    texts.append((try schema.path("pool.stats", item: name), document.rendered))
                } else {
                    noteUnknown("pool", name, term: &term)
                }
            }
            for (id, document) in (snapshot.osds ?? [:]).sorted(by: { $0.key < $1.key }) {
                if knownOSDs.contains(id) {
                    texts.append((try schema.path("osd.stats", item: id), document.rendered))
                } else {
                    noteUnknown("OSD", id, term: &term)
                }
            }
        } catch {
            // A name Ceph gave that is no valid path segment, or a schema without these keys.
            logger.warning("Ceph statistics: cannot name a key", metadata: ["error": "\(error)"])
            return
        }
        let changed = texts.filter { term.written[$0.0] != $0.1 }
        guard !changed.isEmpty else { return }
        do {
            try await write(changed)
            for (path, text) in changed { term.written[path] = text }
            term.zooKeeper.succeeded("Ceph statistics: publishing")
        } catch {
            for (path, _) in changed { term.written[path] = nil }
            term.zooKeeper.failed("Ceph statistics: publishing", "\(error)")
        }
    }

    /// One multi for everything; should a key be missing (a pool deleted meanwhile, a `stats`
    /// key PVC's API did not create, `/ceph/updated` before the schema was applied), key by key,
    /// creating a missing key whose parent exists and skipping one whose parent went away.
    private func write(_ texts: [(String, String)]) async throws {
        do {
            _ = try await store.multi(texts.map { .set($0.0, data: Array($0.1.utf8)) })
            return
        } catch let error as CoordinationError where error.code == .noNode {
            // Fall through to key by key.
        }
        for (path, text) in texts {
            do {
                _ = try await store.set(path, data: Array(text.utf8))
            } catch let error as CoordinationError where error.code == .noNode {
                let parent = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
                guard try await store.exists(parent.isEmpty ? "/" : parent) != nil else { continue }
                do {
                    _ = try await store.create(path, data: Array(text.utf8), mode: .persistent)
                } catch let error as CoordinationError where error.code == .nodeExists {
                    _ = try await store.set(path, data: Array(text.utf8))
                }
            }
        }
    }

    private func noteUnknown(_ kind: String, _ name: String, term: inout Term) {
        guard term.reportedUnknown.insert("\(kind) \(name)").inserted else { return }
        logger.debug("Ceph statistics: \(kind) \(name) has no key in ZooKeeper (not created through PVC), not published")
    }

    /// Asks everything at once, each call bounded by `commandTimeout`, so a round takes about
    /// one timeout even when Ceph answers nothing (two: the pool list, then the pools).
    private func collect(_ source: any StorageStatsSource, askOSDs: Bool,
                         outstanding: OutstandingCalls) async -> CephAnswers {
        async let status = command(Command.status, source, outstanding)
        async let health = command(Command.health, source, outstanding)
        async let dfText = command(Command.dfText, source, outstanding)
        async let dfJSON = command(Command.dfJSON, source, outstanding)
        async let figures = poolFigures(source, outstanding)
        var osds: OSDAnswers?
        if askOSDs {
            async let dump = command(Command.osdDump, source, outstanding)
            async let df = command(Command.osdDF, source, outstanding)
            async let osdStatus = command(Command.osdStatus, source, outstanding)
            osds = OSDAnswers(dump: await dump, df: await df, status: await osdStatus)
        }
        return CephAnswers(status: await status, health: await health, dfText: await dfText, dfJSON: await dfJSON,
                           poolFigures: await figures, osds: osds)
    }

    private func command(_ json: String, _ source: any StorageStatsSource,
                         _ outstanding: OutstandingCalls) async -> CephAnswer {
        let timeout = commandTimeout
        // A little past the command's own timeout, so a source that honours it reports its error.
        switch await outstanding.bounded(timeout + .milliseconds(250), { try await source.monitorCommand(json, timeout: timeout) }) {
        case .success(let text)?: return .text(text)
        case .failure(let error)?: return .failed("\(error)")
        case nil: return .failed("no answer within \(timeout)")
        }
    }

    private func poolFigures(_ source: any StorageStatsSource,
                             _ outstanding: OutstandingCalls) async -> Result<[String: PoolFigures], PoolFiguresFailure> {
        let names: [String]
        switch await outstanding.bounded(commandTimeout, { try await source.poolNames() }) {
        case .success(let list)?: names = list
        case .failure(let error)?: return .failure(PoolFiguresFailure(reason: "pool list: \(error)"))
        case nil: return .failure(PoolFiguresFailure(reason: "pool list: no answer within \(commandTimeout)"))
        }
        let timeout = commandTimeout
        let outcomes = await withTaskGroup(of: (String, Result<PoolFigures, any Error>?).self) { group in
            for name in Set(names) {
                group.addTask { (name, await outstanding.bounded(timeout, { try await source.poolFigures(name) })) }
            }
            var outcomes: [(String, Result<PoolFigures, any Error>?)] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        var figures: [String: PoolFigures] = [:]
        var failures: [String] = []
        for (name, outcome) in outcomes.sorted(by: { $0.0 < $1.0 }) {
            switch outcome {
            case .success(let value)?: figures[name] = value
            case .failure(let error)?: failures.append("\(name): \(error)")
            case nil: failures.append("\(name): no answer within \(timeout)")
            }
        }
        guard failures.isEmpty else {
            return .failure(PoolFiguresFailure(reason: failures.joined(separator: ", "), partial: figures))
        }
        return .success(figures)
    }

    /// Every answer failed for the same reason (the whole round timed out, or was not started).
    static func failedAnswers(_ reason: String, askOSDs: Bool) -> CephAnswers {
        CephAnswers(status: .failed(reason), health: .failed(reason), dfText: .failed(reason), dfJSON: .failed(reason),
                    poolFigures: .failure(PoolFiguresFailure(reason: reason)),
                    osds: askOSDs ? OSDAnswers(dump: .failed(reason), df: .failed(reason), status: .failed(reason)) : nil)
    }
}

/// Calls to Ceph started but not yet returned, including those a bound gave up waiting for: a
/// round does not start while any is left, so hung librados calls never pile up.
final class OutstandingCalls: Sendable {
    private let calls = Atomic<Int>(0)

    var count: Int { calls.load(ordering: .acquiring) }

    func bounded<T: Sendable>(_ timeout: Duration,
                              _ body: @escaping @Sendable () async throws -> T) async -> Result<T, any Error>? {
        await boundedCall(timeout) { [self] in
            calls.add(1, ordering: .acquiringAndReleasing)
            defer { calls.subtract(1, ordering: .acquiringAndReleasing) }
            return try await body()
        }
    }
}
