import ArgumentParser
import ClusterClient
import Coordination
import Foundation
import VMCluster

/// `pvc-bench migration`: one TCG guest live-migrated back and forth between hv1 and hv2, and
/// how much of each migration is not libvirt's own migration time.
struct MigrationBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migration",
        abstract: "Live migration of one VM between two pvcnoded nodes: total time and the daemons' overhead over libvirt's.",
        discussion: """
            Starts VMCluster (a shared ZooKeeper, three root libvirtds hv1..hv3, three pvcnoded), \
            defines and starts one TCG guest on hv1, then alternates `migrate --live` to hv2 and \
            `unmigrate --live` back to hv1 (what an operator writes; lastnode is set, then cleared). \
            Per run, total = from just before the client's call (resolve, state lock, the one multi \
            writing state/node/lastnode, unlock) to the delivery, on a watch on /domains/U/state armed \
            before the call, of `start` at a version after the write; the migration counts only if \
            /domains/U/node is the target and libvirt runs the guest on the target alone. The source \
            daemon's `live migration done` log line gives call_ms (its libvirt migrate call), \
            libvirt_ms (libvirt's job time_elapsed) and lock_ms (taking the VM's three locks). \
            overhead = total − libvirt_ms; outside_call = total − call_ms. The first `start` is written \
            by the target daemon as soon as its libvirt runs the guest, which is before the source's \
            libvirt call returns (libvirt's finish/confirm phases), so outside_call is negative; \
            source_done (until the source has written its own `start` and released the VM's locks, \
            polled every 5 ms) − call_ms is the source daemon's time outside the call. Before the \
            next run the VM's locks are waited for to be free, so that no run waits on the previous \
            one's release. p99 is nearest rank: over 50 runs it is the slowest run.
            """
    )

    @Option(help: "Migrations measured (at least 50 for figures worth quoting).")
    var runs: Int = 50

    @Option(help: "The guest's memory, MiB.")
    var memory: Int = 64

    @Option(name: .customLong("run-timeout"), help: "Seconds a migration gets before the benchmark fails.")
    var runTimeout: Double = 120

    @Option(name: .customLong("show-log"), help: "Lines of each daemon's log to print on stderr at the end.")
    var showLog: Int = 0

    func validate() throws {
        guard runs > 0 else { throw ValidationError("--runs must be positive") }
        guard memory >= 16 else { throw ValidationError("--memory must be at least 16 MiB") }
        guard runTimeout > 0, runTimeout.isFinite else { throw ValidationError("--run-timeout must be positive") }
    }

    mutating func run() async throws {
        let settings = self
        let started = ContinuousClock.now
        Progress.log("starting ZooKeeper, three libvirtds and three pvcnoded")
        let fields = try await VMCluster.with(VMCluster.Options()) { cluster in
            Progress.log("cluster ready (\(Progress.seconds(since: started))); chroot \(cluster.chroot)")
            return try await settings.measure(cluster)
        }
        emitResult(fields)
    }

    static let doneMarker = "live migration done"
    static let failedAttemptMarker = "live migration attempt failed"

    /// One delivery of the state watch, stamped when it arrived.
    enum Event: Sendable {
        case value(NodeData?, ContinuousClock.Instant)
        case deadline(Int)
        case ended
    }

    /// One migration's figures, ms.
    struct RunResult {
        let source: String
        let target: String
        /// From just before the client's call to `start` seen.
        let total: Double
        /// From the client's call's return to `start` seen.
        let totalFromReturn: Double
        /// The client's call (lock, write, unlock).
        let clientCall: Double
        let call: Double
        let libvirt: Double
        let lock: Double
        let downtime: Double?
        let attempt: Int
        /// From `start` seen until the VM's three locks were seen free (polled every 5 ms).
        let release: Double

        /// From just before the client's call until the source had released the VM's locks
        /// (its outcome written): the source's whole part.
        var sourceDone: Double { total + release }
        /// Versions of /domains/U/state written from the client's write until the locks were
        /// free (client, then `start` by the target and/or the source).
        let stateWrites: Int
        /// Of those, the one the watch first saw as `start`.
        let startWrite: Int
    }

    private func measure(_ cluster: VMCluster) async throws -> [String: JSONValue] {
        let nodes = ("hv1", "hv2")
        let uuid = try await VMBench.defineAndStart(cluster, names: ["bench-mig"], node: nodes.0, memoryMiB: memory)[0]
        Progress.log("VM \(uuid) (\(memory) MiB) runs on \(nodes.0); \(runs) live migrations \(nodes.0) ⇄ \(nodes.1)")
        let statePath = "/domains/\(uuid)/state"
        let (events, post) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .unbounded)
        let session = cluster.session
        return try await withThrowingTaskGroup(of: Void.self) { group in
            // One watch for every run, armed before the first write; each delivery is stamped
            // where it arrives, not where the loop gets to it.
            group.addTask {
                for await data in session.watchData(statePath) {
                    post.yield(.value(data, .now))
                }
                post.yield(.ended)
            }
            defer {
                group.cancelAll()
                post.finish()
            }
            var iterator = events.makeAsyncIterator()
            var results: [RunResult] = []
            for run in 1...runs {
                let (source, target) = run % 2 == 1 ? nodes : (nodes.1, nodes.0)
                let result = try await migrate(cluster, uuid: uuid, run: run, source: source, target: target,
                                               events: &iterator, post: post)
                results.append(result)
                Progress.log("run \(run)/\(runs): \(source) → \(target) total \(rounded(result.total, places: 1)) ms, "
                             + "libvirt \(Int(result.libvirt)) ms, call \(Int(result.call)) ms, "
                             + "lock \(Int(result.lock)) ms, overhead \(rounded(result.total - result.libvirt, places: 1)) ms"
                             + (result.attempt > 1 ? ", attempt \(result.attempt)" : ""))
            }
            if showLog > 0 { Progress.log("daemon logs:\n\(cluster.logTails(showLog))") }
            return summary(results, cluster: cluster)
        }
    }

    private func migrate(_ cluster: VMCluster, uuid: String, run: Int, source: String, target: String,
                         events: inout AsyncStream<Event>.Iterator,
                         post: AsyncStream<Event>.Continuation) async throws -> RunResult {
        let statePath = "/domains/\(uuid)/state"
        let before = try await cluster.session.get(statePath)
        guard String(decoding: before.data, as: UTF8.self) == "start" else {
            throw BenchError("run \(run): the VM is not in start before the migration")
        }
        let doneBefore = VMBench.logLines(cluster, node: source, containing: Self.doneMarker).count
        let failedBefore = VMBench.logLines(cluster, node: source, containing: Self.failedAttemptMarker).count

        let written = ContinuousClock.now
        if run % 2 == 1 {
            _ = try await cluster.client.migrate(uuid, target: target, live: true, wait: false)
        } else {
            _ = try await cluster.client.unmigrate(uuid, live: true, wait: false)
        }
        let returned = ContinuousClock.now

        // A timeout, not a poll: posted once, ignored if the run is over.
        let timer = Task { [runTimeout] in
            guard (try? await Task.sleep(for: .milliseconds(Int64(runTimeout * 1000)))) != nil else { return }
            post.yield(.deadline(run))
        }
        defer { timer.cancel() }
        var seenAt: ContinuousClock.Instant?
        var startVersion: Int32 = 0
        var lastSeen = "start"
        while seenAt == nil, let event = await events.next() {
            switch event {
            case .value(let data, let at):
                // Deliveries of the version before the write (or older) are the previous run's.
                guard let data, data.stat.version > before.stat.version else {
                    if data == nil { throw BenchError("run \(run): \(statePath) disappeared") }
                    continue
                }
                lastSeen = String(decoding: data.data, as: UTF8.self)
                switch lastSeen {
                case "start":
                    seenAt = at
                    startVersion = data.stat.version
                case "migrate-live", "migrate": continue
                default:
                    throw BenchError("run \(run): \(source) → \(target) ended in state '\(lastSeen)'\n"
                                     + VMBench.logExcerpt(cluster, markers: ["migrat", "error", "fail"]))
                }
            case .deadline(let which):
                guard which == run else { continue }
                throw BenchError("run \(run): \(source) → \(target) not back in start after \(runTimeout) s "
                                 + "(last state '\(lastSeen)')\n\(cluster.logTails())")
            case .ended:
                throw BenchError("run \(run): the watch on \(statePath) ended (session gone)")
            }
        }
        guard let seenAt else { throw BenchError("run \(run): the watch events stopped") }
        let total = VMBench.milliseconds(seenAt - written)

        // Where it ended: the keys, and where libvirt really runs it.
        let node = await cluster.value("/domains/\(uuid)/node")
        guard node == target else {
            throw BenchError("run \(run): back in start on node '\(node ?? "-")', not the target \(target) (aborted)\n"
                             + VMBench.logExcerpt(cluster, markers: ["migrat", "error", "fail"]))
        }
        let running = try await cluster.runningOn(uuid)
        guard running == [target] else {
            throw BenchError("run \(run): state start on \(target), but libvirt runs the VM on \(running)\n"
                             + cluster.logTails())
        }

        // The source's line for this migration.
        let lines = await VMBench.waitForLogLines(cluster, node: source, containing: Self.doneMarker,
                                                  moreThan: doneBefore)
        let new = lines.dropFirst(doneBefore)
        guard new.count == 1, let line = new.first else {
            throw BenchError("run \(run): expected one new '\(Self.doneMarker)' line in \(source)'s log, found \(new.count)\n"
                             + VMBench.logExcerpt(cluster, markers: ["migrat"]))
        }
        let fields = VMBench.fields(ofLogLine: line)
        guard fields["target"] == target, let call = fields["call_ms"].flatMap(Double.init),
              let libvirt = fields["libvirt_ms"].flatMap(Double.init), let lock = fields["lock_ms"].flatMap(Double.init)
        else {
            throw BenchError("run \(run): \(source)'s line lacks target=\(target) or a call_ms/libvirt_ms/lock_ms figure: \(line)")
        }
        let failedAttempts = VMBench.logLines(cluster, node: source, containing: Self.failedAttemptMarker).count - failedBefore
        if failedAttempts > 0 {
            Progress.log("run \(run): \(failedAttempts) failed attempt(s) before success:\n"
                         + VMBench.logLines(cluster, node: source, containing: Self.failedAttemptMarker)
                            .suffix(failedAttempts).joined(separator: "\n"))
        }

        // The VM's locks free again, so that the next run's client does not wait on them.
        let released = try await cluster.eventually(timeout: .seconds(30), interval: .milliseconds(5)) {
            for path in ["state", "node", "migrate_sync_lock"]
            where !((try? await cluster.session.children("/domains/\(uuid)/\(path)")) ?? []).isEmpty {
                return false
            }
            return true
        }
        guard released else { throw BenchError("run \(run): the VM's locks were still held 30 s after start") }
        let releasedAt = ContinuousClock.now
        let after = try await cluster.session.get(statePath)

        return RunResult(source: source, target: target, total: total,
                         totalFromReturn: VMBench.milliseconds(seenAt - returned),
                         clientCall: VMBench.milliseconds(returned - written),
                         call: call, libvirt: libvirt, lock: lock, downtime: fields["downtime_ms"].flatMap(Double.init),
                         attempt: fields["attempt"].flatMap(Int.init) ?? 0,
                         release: VMBench.milliseconds(releasedAt - seenAt),
                         stateWrites: Int(after.stat.version - before.stat.version),
                         startWrite: Int(startVersion - before.stat.version))
    }

    private func summary(_ results: [RunResult], cluster: VMCluster) -> [String: JSONValue] {
        let total = results.map(\.total)
        let overhead = results.map { $0.total - $0.libvirt }
        let outsideCall = results.map { $0.total - $0.call }
        let fromReturn = results.map(\.totalFromReturn)
        let overheadFromReturn = results.map { $0.totalFromReturn - $0.libvirt }
        return [
            "runs": .integer(results.count),
            "memory_mib": .integer(memory),
            "nodes": .array([.string("hv1"), .string("hv2")]),
            "total_median_ms": VMBench.medianFigure(total),
            "total_p99_ms": VMBench.p99Figure(total),
            "total_max_ms": VMBench.figure(total.max()),
            "overhead_median_ms": VMBench.medianFigure(overhead),
            "overhead_p99_ms": VMBench.p99Figure(overhead),
            "overhead_max_ms": VMBench.figure(overhead.max()),
            "libvirt_median_ms": VMBench.medianFigure(results.map(\.libvirt)),
            "libvirt_p99_ms": VMBench.p99Figure(results.map(\.libvirt)),
            "call_median_ms": VMBench.medianFigure(results.map(\.call)),
            "call_p99_ms": VMBench.p99Figure(results.map(\.call)),
            "outside_call_median_ms": VMBench.medianFigure(outsideCall),
            "outside_call_p99_ms": VMBench.p99Figure(outsideCall),
            "lock_median_ms": VMBench.medianFigure(results.map(\.lock)),
            "lock_p99_ms": VMBench.p99Figure(results.map(\.lock)),
            "downtime_median_ms": VMBench.medianFigure(results.compactMap(\.downtime)),
            "client_call_median_ms": VMBench.medianFigure(results.map(\.clientCall)),
            "client_call_p99_ms": VMBench.p99Figure(results.map(\.clientCall)),
            "total_from_return_median_ms": VMBench.medianFigure(fromReturn),
            "overhead_from_return_median_ms": VMBench.medianFigure(overheadFromReturn),
            "overhead_from_return_p99_ms": VMBench.p99Figure(overheadFromReturn),
            "lock_release_median_ms": VMBench.medianFigure(results.map(\.release)),
            "source_done_median_ms": VMBench.medianFigure(results.map(\.sourceDone)),
            "source_done_p99_ms": VMBench.p99Figure(results.map(\.sourceDone)),
            "source_done_outside_call_median_ms": VMBench.medianFigure(results.map { $0.sourceDone - $0.call }),
            "source_done_outside_call_p99_ms": VMBench.p99Figure(results.map { $0.sourceDone - $0.call }),
            "state_writes_per_run": .object(results.reduce(into: [String: JSONValue]()) { counts, result in
                let key = "\(result.stateWrites)"
                if case .integer(let count) = counts[key] { counts[key] = .integer(count + 1) } else { counts[key] = .integer(1) }
            }),
            "start_seen_at_write": .object(results.reduce(into: [String: JSONValue]()) { counts, result in
                let key = "\(result.startWrite)"
                if case .integer(let count) = counts[key] { counts[key] = .integer(count + 1) } else { counts[key] = .integer(1) }
            }),
            "retried_runs": .integer(results.filter { $0.attempt > 1 }.count),
            "runs_total_ms": .array(results.map { VMBench.figure($0.total) }),
            "runs_libvirt_ms": .array(results.map { VMBench.figure($0.libvirt) }),
            "measured_as": .string("total: instant before ClusterClient.migrate/unmigrate(live, wait: false) → delivery of state 'start' (version after the write) on a watch armed before; libvirt_ms, call_ms, lock_ms from the source daemon's 'live migration done' line; overhead = total − libvirt_ms; outside_call = total − call_ms (negative: the target writes start before the source's call returns); source_done: to the source's locks released (its outcome written, polled 5 ms); from_return: from the client call's return instead"),
            "keepalive_interval_s": .integer(cluster.options.keepaliveSeconds),
            "swift_version": .string(swiftVersion),
        ]
    }
}
