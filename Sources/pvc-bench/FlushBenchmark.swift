import ArgumentParser
import ClusterClient
import Foundation
import VMCluster

/// `pvc-bench flush`: how long a node flush of 8 and of 16 TCG guests takes with the default
/// parallelism (max_parallel 4) and one at a time, and the ready that brings them back.
struct FlushBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flush",
        abstract: "Wall time of `node flush --wait` of 8 and 16 VMs, max_parallel 4 against 1, and of the ready after it.",
        discussion: """
            Two VMCluster sessions (max_parallel 4, then 1), each on a fresh cluster. In each, for \
            every size (8, then 16: 8 more are added to the first 8), the guests are defined and \
            started on hv1 and waited for until libvirt runs each on hv1 alone; then \
            `flush hv1 --wait` is timed from just before the client's call to the end of its wait \
            (domainstate `flushed`), every guest is checked to run exactly once, not on hv1, and \
            `ready hv1 --wait` is timed likewise, after which every guest must run on hv1 again. \
            The guests are undefined at the end; VMCluster stops the daemons and libvirtds.
            """
    )

    @Option(parsing: .upToNextOption, help: "Numbers of VMs flushed, ascending (each adds guests to the previous).")
    var sizes: [Int] = [8, 16]

    @Option(help: "Each guest's memory, MiB.")
    var memory: Int = 64

    @Option(name: .customLong("parallel"), help: "max_parallel of the parallel session.")
    var parallel: Int = 4

    @Option(name: .customLong("flush-timeout"), help: "Seconds a flush or a ready gets before the benchmark fails.")
    var flushTimeout: Double = 600

    func validate() throws {
        guard !sizes.isEmpty, sizes.allSatisfy({ $0 > 0 }), sizes == sizes.sorted(), Set(sizes).count == sizes.count else {
            throw ValidationError("--sizes must be positive and strictly ascending")
        }
        guard memory >= 16 else { throw ValidationError("--memory must be at least 16 MiB") }
        guard parallel > 1 else { throw ValidationError("--parallel must be more than 1 (the serial session is 1)") }
        guard flushTimeout > 0, flushTimeout.isFinite else { throw ValidationError("--flush-timeout must be positive") }
    }

    /// One flush and its ready, seconds.
    struct Round {
        let size: Int
        let flush: Double
        let ready: Double
        /// From the ready's call until libvirt runs every guest on hv1 again.
        let home: Double
        /// Guests on each node after the flush.
        let spread: [String: Int]
        /// Guests libvirt did not yet run, exactly once and off hv1, when the flush's wait ended.
        let notSettledAtFlushEnd: Int
        let liveMigrations: Int
        let failedAttempts: Int
    }

    mutating func run() async throws {
        let settings = self
        var sessions: [(parallel: Int, rounds: [Round])] = []
        for maxParallel in [parallel, 1] {
            var options = VMCluster.Options()
            options.maxParallel = maxParallel
            let started = ContinuousClock.now
            Progress.log("max_parallel \(maxParallel): starting ZooKeeper, three libvirtds and three pvcnoded")
            let rounds = try await VMCluster.with(options) { cluster in
                Progress.log("cluster ready (\(Progress.seconds(since: started))); chroot \(cluster.chroot)")
                return try await settings.measure(cluster, maxParallel: maxParallel)
            }
            sessions.append((maxParallel, rounds))
        }
        emitResult(summary(sessions))
    }

    static let flushedNode = "hv1"

    private func measure(_ cluster: VMCluster, maxParallel: Int) async throws -> [Round] {
        let node = Self.flushedNode
        let timeout = Duration.milliseconds(Int64(flushTimeout * 1000))
        var uuids: [String] = []
        var rounds: [Round] = []
        for size in sizes {
            let names = (uuids.count..<size).map { "bench-fl\(maxParallel)-\($0 + 1)" }
            let setup = ContinuousClock.now
            uuids += try await VMBench.defineAndStart(cluster, names: names, node: node, memoryMiB: memory)
            for uuid in uuids {
                let running = try await cluster.runningOn(uuid)
                guard running == [node] else {
                    throw BenchError("before the flush of \(size): \(uuid) runs on \(running), not \(node) alone")
                }
            }
            Progress.log("max_parallel \(maxParallel): \(size) VMs run on \(node) (\(Progress.seconds(since: setup)) to start \(names.count))")

            let doneBefore = VMBench.logLines(cluster, node: node, containing: MigrationBenchmark.doneMarker).count
            let failedBefore = VMBench.logLines(cluster, node: node, containing: MigrationBenchmark.failedAttemptMarker).count
            let flushStart = ContinuousClock.now
            do {
                _ = try await cluster.client.flush(node, wait: true, timeout: timeout)
            } catch {
                throw BenchError("flush of \(size) (max_parallel \(maxParallel)) failed: \(error)\n"
                                 + VMBench.logExcerpt(cluster, markers: ["flush", "migrat", "error", "fail"]))
            }
            let flushTime = ContinuousClock.now - flushStart

            // Every guest runs exactly once, not on the flushed node: at the wait's end, or (a
            // shutdown fallback's cold start) within 30 s, counted apart.
            var spread: [String: Int] = [:]
            var notSettled = 0
            for uuid in uuids {
                var running = try await cluster.runningOn(uuid)
                if running.count != 1 || running.first == node {
                    notSettled += 1
                    _ = try await cluster.eventually(timeout: .seconds(30)) {
                        let now = try await cluster.runningOn(uuid)
                        return now.count == 1 && now.first != node
                    }
                    running = try await cluster.runningOn(uuid)
                }
                guard running.count == 1, let host = running.first, host != node else {
                    throw BenchError("after the flush of \(size) (max_parallel \(maxParallel)): \(uuid) runs on \(running)\n"
                                     + cluster.logTails())
                }
                spread[host, default: 0] += 1
            }
            let live = VMBench.logLines(cluster, node: node, containing: MigrationBenchmark.doneMarker).count - doneBefore
            let failed = VMBench.logLines(cluster, node: node, containing: MigrationBenchmark.failedAttemptMarker).count
                - failedBefore
            Progress.log("max_parallel \(maxParallel): flush of \(size) took \(rounded(flushTime.seconds, places: 2)) s; "
                         + "spread \(spread.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")); "
                         + "\(live) live migrations logged, \(failed) failed attempts"
                         + (notSettled > 0 ? "; \(notSettled) not yet settled at the wait's end" : ""))

            let readyStart = ContinuousClock.now
            do {
                _ = try await cluster.client.ready(node, wait: true, timeout: timeout)
            } catch {
                throw BenchError("ready after the flush of \(size) (max_parallel \(maxParallel)) failed: \(error)\n"
                                 + VMBench.logExcerpt(cluster, markers: ["flush", "ready", "migrat", "error", "fail"]))
            }
            let readyTime = ContinuousClock.now - readyStart
            for uuid in uuids {
                guard try await cluster.eventually(timeout: .seconds(60), { try await cluster.runningOn(uuid) == [node] }) else {
                    throw BenchError("after the ready of \(size) (max_parallel \(maxParallel)): \(uuid) runs on "
                                     + "\(try await cluster.runningOn(uuid)), not \(node) alone\n\(cluster.logTails())")
                }
            }
            let homeTime = ContinuousClock.now - readyStart
            Progress.log("max_parallel \(maxParallel): ready of \(size) took \(rounded(readyTime.seconds, places: 2)) s "
                         + "(all on \(node) after \(rounded(homeTime.seconds, places: 2)) s)")
            rounds.append(Round(size: size, flush: flushTime.seconds, ready: readyTime.seconds, home: homeTime.seconds,
                                spread: spread, notSettledAtFlushEnd: notSettled, liveMigrations: live,
                                failedAttempts: failed))
        }

        // Undefine (stop, delete, the tree) every guest; VMCluster stops the rest.
        for uuid in uuids { _ = try await cluster.client.undefine(uuid) }
        for uuid in uuids {
            guard try await cluster.eventually(timeout: .seconds(30), { try await cluster.runningOn(uuid).isEmpty }) else {
                throw BenchError("\(uuid) still runs on \(try await cluster.runningOn(uuid)) 30 s after its undefine")
            }
        }
        return rounds
    }

    private func summary(_ sessions: [(parallel: Int, rounds: [Round])]) -> [String: JSONValue] {
        var fields: [String: JSONValue] = [:]
        let parallelRounds = sessions.first { $0.parallel != 1 }?.rounds ?? []
        let serialRounds = sessions.first { $0.parallel == 1 }?.rounds ?? []
        func seconds(_ value: Double?) -> JSONValue { VMBench.figure(value, places: 3) }
        for size in sizes {
            let parallelRound = parallelRounds.first { $0.size == size }
            let serialRound = serialRounds.first { $0.size == size }
            fields["vms_\(size)_parallel_s"] = seconds(parallelRound?.flush)
            fields["vms_\(size)_serial_s"] = seconds(serialRound?.flush)
            fields["speedup_\(size)"] = VMBench.figure(
                parallelRound.flatMap { p in serialRound.map { $0.flush / p.flush } }, places: 2)
            fields["ready_\(size)_parallel_s"] = seconds(parallelRound?.ready)
            fields["ready_\(size)_serial_s"] = seconds(serialRound?.ready)
            fields["ready_speedup_\(size)"] = VMBench.figure(
                parallelRound.flatMap { p in serialRound.map { $0.ready / p.ready } }, places: 2)
            for (label, round) in [("parallel", parallelRound), ("serial", serialRound)] {
                guard let round else { continue }
                fields["spread_\(size)_\(label)"] = .object(round.spread.mapValues { .integer($0) })
                fields["live_migrations_\(size)_\(label)"] = .integer(round.liveMigrations)
                fields["failed_attempts_\(size)_\(label)"] = .integer(round.failedAttempts)
                fields["unsettled_at_flush_end_\(size)_\(label)"] = .integer(round.notSettledAtFlushEnd)
                fields["home_\(size)_\(label)_s"] = seconds(round.home)
            }
        }
        fields["max_parallel"] = .integer(parallel)
        fields["sizes"] = .array(sizes.map { .integer($0) })
        fields["memory_mib"] = .integer(memory)
        fields["guest"] = .string("TCG, no OS")
        fields["measured_as"] = .string("flush: instant before ClusterClient.flush(hv1, wait: true) → its return (domainstate flushed, seen on a watch); ready likewise with ready(hv1, wait: true); home: ready's start → libvirt runs every guest on hv1; the 16 are the 8 plus 8 more, all back on hv1 before the flush")
        fields["swift_version"] = .string(swiftVersion)
        return fields
    }
}
