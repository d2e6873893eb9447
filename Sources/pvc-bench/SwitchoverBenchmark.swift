import ArgumentParser
import Coordination
import Foundation
import ZooKeeper

/// `pvc-bench switchover`: how long an operator's primary switch takes to settle among three
/// coordinator daemons, and whether two nodes were ever seen holding the role at once.
struct SwitchoverBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchover",
        abstract: "Time from writing /config/primary_node to settled router states, over three pvcnoded coordinators.",
        discussion: """
            Starts hv1, hv2 and hv3 (all coordinators) on a fresh, initialised chroot as footprint \
            does, follows every node's /nodes/NAME/routerstate with a persistent watch from a \
            session of its own, and waits until one primary has settled. Each run then names the \
            next coordinator after the current primary (hv1 → hv2 → hv3 → hv1) by a compare-and-set \
            of /config/primary_node on the version just read (what `pvcctl node primary` writes), \
            and measures until the watches have delivered: the new node `primary`, every other node \
            `secondary`. A run that has not settled within --switch-timeout counts as failed. \
            dual_primary_moments counts how often the recorded states, replayed in ZooKeeper's \
            transaction order (mzxid), had two nodes in primary/takeover at once. No floating \
            addresses are configured (no network namespaces), so a handover moves only the role.
            """
    )

    @OptionGroup var target: ZooKeeperTarget
    @OptionGroup var cluster: ClusterOptions

    @Option(help: "Switches measured (at least 50 for figures worth quoting).")
    var runs: Int = 50

    @Option(name: .customLong("switch-timeout"), help: "Seconds a switch gets to settle before it counts as failed.")
    var switchTimeout: Double = 10

    @Option(name: .customLong("settle-timeout"),
            help: "Seconds the cluster gets to settle on one primary at the start and after a failed run.")
    var settleTimeout: Double = 60

    func validate() throws {
        guard runs > 0 else { throw ValidationError("--runs must be positive") }
        guard switchTimeout > 0, switchTimeout.isFinite else {
            throw ValidationError("--switch-timeout must be a positive number of seconds")
        }
        guard settleTimeout > 0, settleTimeout.isFinite else {
            throw ValidationError("--settle-timeout must be a positive number of seconds")
        }
    }

    mutating func run() async throws {
        let settings = self
        let binaries = try cluster.binaries()
        ChildRegistry.shared.installSignalHandlers()
        let fields = try await target.withConnectString { connectString in
            try await settings.measure(connectString, binaries: binaries)
        }
        emitResult(fields)
    }

    static let primaryKey = "/config/primary_node"

    static func routerStatePath(_ node: String) -> String { "/nodes/\(node)/routerstate" }

    private func measure(_ connectString: String, binaries: ClusterBinaries) async throws -> [String: JSONValue] {
        let (fields, exits) = try await DaemonCluster.run(
            cluster, binaries: binaries, connectString: connectString, purpose: "switchover",
            ownServer: target.connectString == nil
        ) { running in
            try await switches(running)
        }
        var result = fields
        result["exit_status"] = .object(exits)
        result["zk"] = .string(target.label)
        return result
    }

    // MARK: Observing

    /// One delivery of one node's routerstate watch.
    struct Observation: Sendable {
        let node: String
        /// nil when the node does not exist (or is not UTF-8).
        let state: String?
        /// The write's transaction id: the order ZooKeeper applied the writes in, whichever watch
        /// delivered first.
        let mzxid: Int64
        let seen: ContinuousClock.Instant
    }

    enum Event: Sendable {
        case observed(Observation)
        /// A run's (or a settle wait's) timeout, posted by a sleeping task so that the one loop
        /// reading the events never waits on anything but the events.
        case deadline(wait: Int)
        /// A watch stopped (the observer's session ended): nothing more will be seen.
        case watchEnded(String)
    }

    /// The newest state of every node as the watches delivered them, and every delivery kept for
    /// the replay in transaction order.
    struct Tracker {
        var current: [String: (state: String?, mzxid: Int64)] = [:]
        var log: [Observation] = []

        mutating func apply(_ observation: Observation) {
            log.append(observation)
            // Two watches may hand their values over out of order; a state older than the one
            // held is history (kept in the log), not the present.
            if let held = current[observation.node], observation.state != nil, held.mzxid > observation.mzxid { return }
            current[observation.node] = (observation.state, observation.mzxid)
        }

        func state(_ node: String) -> String? { current[node]?.state ?? nil }

        /// The settled state: one node `primary`, every other `secondary`; returns the primary.
        var settledPrimary: String? {
            let primaries = DaemonCluster.nodeNames.filter { state($0) == RouterStateWord.primary }
            guard primaries.count == 1, let primary = primaries.first else { return nil }
            let othersSecondary = DaemonCluster.nodeNames.allSatisfy {
                $0 == primary || state($0) == RouterStateWord.secondary
            }
            return othersSecondary ? primary : nil
        }

        /// How many times the states, replayed in mzxid order, went from at most one node in
        /// primary/takeover to two or more; with a description of each moment.
        func dualPrimaryMoments() -> (count: Int, moments: [String]) {
            // Stable, so deliveries of the same transaction keep their arrival order.
            let ordered = log.enumerated().sorted { ($0.element.mzxid, $0.offset) < ($1.element.mzxid, $1.offset) }
            var states: [String: String] = [:]
            var wasDual = false
            var moments: [String] = []
            for (_, observation) in ordered {
                states[observation.node] = observation.state
                let holders = states.filter { RouterStateWord.holdsPrimary($0.value) }.keys.sorted()
                let isDual = holders.count >= 2
                if isDual, !wasDual {
                    moments.append(holders.map { "\($0)=\(states[$0] ?? "?")" }.joined(separator: ",")
                                   + " at mzxid \(observation.mzxid)")
                }
                wasDual = isDual
            }
            return (moments.count, moments)
        }
    }

    /// PVC's router state words (NodeCore's RouterState, which pvc-bench does not link).
    enum RouterStateWord {
        static let primary = "primary"
        static let secondary = "secondary"
        static func holdsPrimary(_ word: String) -> Bool { word == "primary" || word == "takeover" }
    }

    // MARK: The runs

    /// One run's outcome.
    struct RunResult {
        let from: String
        let to: String
        /// Write to settled; nil for a failed run.
        let settled: Duration?
        /// Write to the new node's `primary` delivered (whether or not the rest settled).
        let newPrimary: Duration?
    }

    private func switches(_ running: DaemonCluster) async throws -> [String: JSONValue] {
        let observer = running.observer
        let (events, post) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .unbounded)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            // Every watch is armed before the first write, so every run is observed from its start.
            for node in DaemonCluster.nodeNames {
                group.addTask {
                    for await data in observer.watchData(Self.routerStatePath(node)) {
                        let state = data.flatMap { String(validating: $0.data, as: UTF8.self) }
                        post.yield(.observed(Observation(node: node, state: state, mzxid: data?.stat.mzxid ?? 0,
                                                         seen: .now)))
                    }
                    post.yield(.watchEnded(node))
                }
            }
            defer {
                group.cancelAll()
                post.finish()
            }
            var loop = EventLoop(events: events.makeAsyncIterator(), post: post)
            return try await runAll(running, loop: &loop)
        }
    }

    /// The single reader of the events, and the deadlines it schedules.
    struct EventLoop {
        var events: AsyncStream<Event>.Iterator
        let post: AsyncStream<Event>.Continuation
        var tracker = Tracker()
        var nextWait = 0

        /// Applies events until `done` holds (returns the instant of the delivery that made it
        /// hold) or `timeout` passes (returns nil). `onEvent` sees every applied observation.
        mutating func wait(timeout: Duration, until done: (Tracker) -> Bool,
                           onEvent: (Observation, Tracker) -> Void = { _, _ in }) async throws -> ContinuousClock.Instant? {
            nextWait += 1
            let number = nextWait
            let post = post
            // A timeout, not a poll: it fires once, and is cancelled as soon as the wait ends (a
            // late one is ignored by its number).
            let timer = Task {
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                post.yield(.deadline(wait: number))
            }
            defer { timer.cancel() }
            while let event = await events.next() {
                switch event {
                case .observed(let observation):
                    tracker.apply(observation)
                    onEvent(observation, tracker)
                    if done(tracker) { return observation.seen }
                case .deadline(let which):
                    if which == number { return nil }
                case .watchEnded(let node):
                    throw BenchError("the watch on \(SwitchoverBenchmark.routerStatePath(node)) ended (observer session gone)")
                }
            }
            throw BenchError("the watch events stopped")
        }
    }

    private func runAll(_ running: DaemonCluster, loop: inout EventLoop) async throws -> [String: JSONValue] {
        let observer = running.observer
        let nodes = DaemonCluster.nodeNames
        let settle = Duration.milliseconds(Int64(settleTimeout * 1000))
        let perRun = Duration.milliseconds(Int64(switchTimeout * 1000))

        let startedWaiting = ContinuousClock.now
        guard try await loop.wait(timeout: settle, until: { $0.settledPrimary != nil }) != nil,
              var primary = loop.tracker.settledPrimary else {
            throw BenchError("no single primary within \(settleTimeout) s of run; states: \(describe(loop.tracker))")
        }
        Progress.log("\(primary) is primary (\(Progress.seconds(since: startedWaiting)) after all were in run); "
                     + "\(runs) switches, timeout \(switchTimeout) s each")

        var results: [RunResult] = []
        for run in 1...runs {
            try running.checkAlive()
            let key = try await observer.get(Self.primaryKey)
            let named = String(decoding: key.data, as: UTF8.self)
            if named != primary {
                Progress.log("run \(run): \(Self.primaryKey) says '\(named)' but \(primary) is the settled primary")
            }
            // Round robin: the coordinator after the current primary, so every node is both old
            // and new primary in turn.
            let next = nodes[((nodes.firstIndex(of: primary) ?? 0) + 1) % nodes.count]
            let old = primary

            let written = ContinuousClock.now
            do {
                _ = try await observer.set(Self.primaryKey, data: Array(next.utf8), version: key.stat.version)
            } catch let error as CoordinationError where error.code == .badVersion {
                // Only pvc-bench writes the key during the runs (the daemons write it when the
                // role is vacant): a refusal means the cluster is not settled as it looked.
                throw BenchError("run \(run): \(Self.primaryKey) changed between the read and the compare-and-set")
            }
            var newPrimaryAt: ContinuousClock.Instant?
            let settledAt = try await loop.wait(timeout: perRun, until: { tracker in
                tracker.state(next) == RouterStateWord.primary
                    && nodes.allSatisfy { $0 == next || tracker.state($0) == RouterStateWord.secondary }
            }, onEvent: { observation, _ in
                if newPrimaryAt == nil, observation.node == next, observation.state == RouterStateWord.primary {
                    newPrimaryAt = observation.seen
                }
            })
            let result = RunResult(from: old, to: next, settled: settledAt.map { $0 - written },
                                   newPrimary: newPrimaryAt.map { $0 - written })
            results.append(result)
            if let settled = result.settled {
                primary = next
                Progress.log("run \(run)/\(runs): \(old) → \(next) settled in \(rounded(settled.seconds, places: 4)) s")
            } else {
                Progress.log("run \(run)/\(runs): \(old) → \(next) FAILED: not settled after \(switchTimeout) s; states: \(describe(loop.tracker))")
                // Whatever the cluster settles on next is where the following run starts from.
                guard try await loop.wait(timeout: settle, until: { $0.settledPrimary != nil }) != nil,
                      let settledOn = loop.tracker.settledPrimary else {
                    throw BenchError("after failed run \(run), no single primary within \(settleTimeout) s; states: \(describe(loop.tracker))")
                }
                primary = settledOn
                Progress.log("cluster settled again with \(primary) primary")
            }
        }
        try running.checkAlive()
        return summary(results, tracker: loop.tracker, runTimes: running.runTimes)
    }

    private func describe(_ tracker: Tracker) -> String {
        DaemonCluster.nodeNames.map { "\($0)=\(tracker.state($0) ?? "none")" }.joined(separator: " ")
    }

    private func summary(_ results: [RunResult], tracker: Tracker, runTimes: [String: Double]) -> [String: JSONValue] {
        let settled = results.compactMap(\.settled)
        let seconds = settled.map(\.seconds).sorted()
        let newPrimary = results.compactMap(\.newPrimary).map(\.seconds)
        let dual = tracker.dualPrimaryMoments()
        if dual.count > 0 {
            Progress.log("dual-primary moments: \(dual.moments.joined(separator: "; "))")
        }
        func figure(_ value: Double?) -> JSONValue { value.map { .number(rounded($0, places: 4)) } ?? .null }
        let p99 = settled.isEmpty ? nil : LatencySummary(settled).p99Microseconds / 1e6
        return [
            "runs": .integer(results.count),
            "failed_runs": .integer(results.count - settled.count),
            "failed_run_numbers": .array(results.enumerated().filter { $0.element.settled == nil }.map { .integer($0.offset + 1) }),
            "median_s": figure(seconds.isEmpty ? nil : median(seconds)),
            "p99_s": figure(p99),
            "min_s": figure(seconds.first),
            "max_s": figure(seconds.last),
            "mean_s": figure(seconds.isEmpty ? nil : seconds.reduce(0, +) / Double(seconds.count)),
            "new_primary_median_s": figure(newPrimary.isEmpty ? nil : median(newPrimary)),
            "runs_s": .array(results.map { figure($0.settled?.seconds) }),
            "dual_primary_moments": .integer(dual.count),
            // How many deliveries showed each state: shows whether the watches saw the hand-over
            // steps at all, or only their coalesced end.
            "observed_deliveries": .object(tracker.log.reduce(into: [String: JSONValue]()) { counts, observation in
                let word = observation.state ?? "absent"
                if case .integer(let count) = counts[word] { counts[word] = .integer(count + 1) } else { counts[word] = .integer(1) }
            }),
            "dual_primary_counted_as": .string("routerstate watch deliveries replayed in mzxid order; a watch may coalesce states, so states held between two deliveries are not seen"),
            "measured_as": .string("CAS write of /config/primary_node → watch delivery that made the new node primary and every other secondary"),
            "keepalive_interval_s": .number(cluster.keepaliveInterval),
            "switch_timeout_s": .number(switchTimeout),
            "addresses": .string("none"),
            "start_to_run_s_max": figure(runTimes.values.max()),
            "pvc_reference": .object([
                "median_s": .number(5.5),
                "range_s": .array([.number(5.4), .number(5.6)]),
            ]),
            "target_s": .number(0.5),
            "swift_version": .string(swiftVersion),
        ]
    }
}
