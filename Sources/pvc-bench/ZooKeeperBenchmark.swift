import Synchronization
import ArgumentParser
import Coordination
import ZooKeeper

/// `pvc-bench zookeeper`: latency of sequential get/set and throughput of pipelined sets through
/// the Swift client, with the C library's own pipelined throughput in the same process as the
/// baseline.
struct ZooKeeperBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zookeeper",
        abstract: "ZooKeeper client latency and pipelined throughput, Swift client vs. the C library."
    )

    @OptionGroup var target: ZooKeeperTarget

    @Option(help: "Sequential get calls, and as many set calls, that are measured.")
    var calls = 5000

    @Option(help: "Sequential get and set calls before measuring (each).")
    var warmup = 300

    @Option(name: .customLong("pipelined-ops"), help: "Sets per pipelined run (per in-flight count, per client).")
    var pipelinedOps = 10_000

    @Option(name: .customLong("in-flight"), help: "Comma-separated requests-in-flight counts for the pipelined runs (default: 1,16,256).",
            transform: ZooKeeperBenchmark.parseCounts)
    var inFlight: [Int] = [1, 16, 256]

    @Option(help: "Bytes of data per set (and in the node that is read).")
    var dataSize = 100

    @Option(help: "Pipelined rounds; each in-flight count reports the median over the rounds.")
    var rounds = 5

    @Option(name: .customLong("c-resolution-delay"), parsing: .unconditional,
            help: ArgumentHelp("Diagnostic: zoo_set_servers_resolution_delay for the C baseline's handle (ms; -1: only on connection loss).",
                               discussion: "Unset, the C handle is configured like the Swift client's (its host resolution interval), so that the ratio measures the Swift layer alone."))
    var cResolutionDelay: Int32?

    func validate() throws {
        guard calls > 0 else { throw ValidationError("--calls must be positive") }
        guard warmup >= 0 else { throw ValidationError("--warmup must not be negative") }
        guard pipelinedOps > 0 else { throw ValidationError("--pipelined-ops must be positive") }
        guard (0...CoordinationLimits.maxDataSize).contains(dataSize) else {
            throw ValidationError("--data-size must be between 0 and \(CoordinationLimits.maxDataSize)")
        }
        guard rounds > 0 else { throw ValidationError("--rounds must be positive") }
        if let cResolutionDelay, cResolutionDelay < -1 {
            throw ValidationError("--c-resolution-delay must be -1, 0 or a positive number of milliseconds")
        }
        guard !inFlight.isEmpty, inFlight.allSatisfy({ $0 > 0 && $0 <= 65_536 }) else {
            throw ValidationError("--in-flight needs counts between 1 and 65536")
        }
    }

    static func parseCounts(_ text: String) throws -> [Int] {
        let counts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !counts.isEmpty, counts.allSatisfy({ $0 != nil }) else {
            throw ValidationError("expected comma-separated integers, got '\(text)'")
        }
        return counts.compactMap { $0 }
    }

    mutating func run() async throws {
        let settings = self
        let fields = try await target.withConnectString { connectString in
            try await settings.measure(connectString)
        }
        emitResult(fields)
    }

    // MARK: The run

    private func measure(_ connectString: String) async throws -> [String: JSONValue] {
        var configuration = ZooKeeperClient.Configuration(hosts: connectString)
        configuration.libraryLogLevel = .error
        // Generous: a call answered late is a figure to report, not a failure.
        configuration.callTimeout = .seconds(60)
        Progress.log("connecting the Swift client to \(connectString)")
        let client = try await ZooKeeperClient.connect(configuration)
        let root = "/pvc-bench-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        var cBaseline: CLibraryBaseline?
        do {
            let fields = try await measure(client, root: root, connectString: connectString, cBaseline: &cBaseline)
            await cBaseline?.close()
            try await client.deleteRecursive(root)
            await client.close()
            var result = fields
            // Measured last, with everything torn down but the Swift runtime and the libraries.
            result["rss_mib"] = residentMiB().map { .number(rounded($0, places: 1)) } ?? .string("unknown")
            return result
        } catch {
            Progress.log("failed: \(error); cleaning up \(root)")
            await cBaseline?.close()
            do {
                try await client.deleteRecursive(root)
            } catch let cleanupError {
                Progress.log("could not delete \(root): \(cleanupError)")
            }
            await client.close()
            throw error
        }
    }

    private func measure(_ client: ZooKeeperClient, root: String, connectString: String,
                         cBaseline: inout CLibraryBaseline?) async throws -> [String: JSONValue] {
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: dataSize)
        let getPath = root + "/get"
        let swiftSetPath = root + "/set-swift"
        let cSetPath = root + "/set-c"
        _ = try await client.create(root, data: [], mode: .persistent)
        for path in [getPath, swiftSetPath, cSetPath] {
            _ = try await client.create(path, data: payload, mode: .persistent)
        }
        Progress.log("scratch path \(root)")

        let resolutionDelay = cResolutionDelay
            ?? Int32(clamping: client.configuration.hostResolutionInterval.components.seconds * 1000)
        let baseline = try await CLibraryBaseline.connect(connectString, timeout: .seconds(15),
                                                     resolutionDelayMs: resolutionDelay)
        cBaseline = baseline

        // Sequential round trips: the Swift client, then the C library's synchronous calls.
        Progress.log("sequential: \(warmup) warm-up + \(calls) gets, then as many sets, Swift then C")
        var swiftCost = CostTable(client: "Swift")
        var cCost = CostTable(client: "C")
        for _ in 0..<warmup { _ = try await client.get(getPath, watch: nil) }
        let gets = try await swiftCost.meter("get", ops: calls) {
            try await sequential(calls) { _ = try await client.get(getPath, watch: nil) }
        }
        for _ in 0..<warmup { _ = try await client.set(swiftSetPath, data: payload, version: nil) }
        let sets = try await swiftCost.meter("set", ops: calls) {
            try await sequential(calls) { _ = try await client.set(swiftSetPath, data: payload, version: nil) }
        }
        // The warm-up calls are metered too (they run on the same thread, untimed): a few percent.
        let cGets = try await cCost.meter("get", ops: calls + warmup) {
            try await baseline.sequential(get: true, path: getPath, payload: payload, capacity: dataSize,
                                          calls: calls, warmup: warmup)
        }
        let cSets = try await cCost.meter("set", ops: calls + warmup) {
            try await baseline.sequential(get: false, path: cSetPath, payload: payload, capacity: dataSize,
                                          calls: calls, warmup: warmup)
        }
        Progress.log("get median/p99 µs: Swift \(gets.text), C \(cGets.text); set: Swift \(sets.text), C \(cSets.text)")

        // Pipelined sets: Swift client and C library, interleaved per in-flight count.
        let runTimeout = Duration.seconds(300)
        let warmupOps = min(pipelinedOps, 2000)
        Progress.log("pipelined warm-up: \(warmupOps) sets each at 16 in flight")
        _ = try await pipelinedSwift(client, path: swiftSetPath, payload: payload, ops: warmupOps, inFlight: 16)
        _ = try await baseline.run(path: cSetPath, payload: payload, ops: warmupOps, inFlight: 16, timeout: runTimeout)

        var swiftRates: [Int: [Double]] = [:]
        var cRates: [Int: [Double]] = [:]
        for round in 0..<rounds {
            for count in inFlight {
                // Alternate who goes first, so that neither always follows the other's tail.
                let swiftFirst = round % 2 == 0
                for swiftTurn in swiftFirst ? [true, false] : [false, true] {
                    if swiftTurn {
                        let rate = try await swiftCost.meter(String(count), ops: pipelinedOps) {
                            try await pipelinedSwift(client, path: swiftSetPath, payload: payload,
                                                     ops: pipelinedOps, inFlight: count)
                        }
                        swiftRates[count, default: []].append(rate)
                    } else {
                        let rate = try await cCost.meter(String(count), ops: pipelinedOps) {
                            try await baseline.run(path: cSetPath, payload: payload, ops: pipelinedOps,
                                                   inFlight: count, timeout: runTimeout)
                        }
                        cRates[count, default: []].append(rate)
                    }
                }
                Progress.log("round \(round + 1)/\(rounds), \(count) in flight: "
                             + "Swift \(Int((swiftRates[count]?.last ?? 0).rounded())) ops/s, "
                             + "C \(Int((cRates[count]?.last ?? 0).rounded())) ops/s")
            }
        }

        var swiftObject: [String: JSONValue] = [:]
        var cObject: [String: JSONValue] = [:]
        var ratioObject: [String: JSONValue] = [:]
        for count in inFlight {
            let swiftRate = median(swiftRates[count] ?? [])
            let cRate = median(cRates[count] ?? [])
            swiftObject[String(count)] = rate(swiftRate)
            cObject[String(count)] = rate(cRate)
            ratioObject[String(count)] = .number(rounded(swiftRate / cRate, places: 3))
        }
        let ratioKey = inFlight.contains(256) ? 256 : inFlight.max() ?? 256
        let ratio = median(swiftRates[ratioKey] ?? []) / median(cRates[ratioKey] ?? [])

        var fields: [String: JSONValue] = [
            "get_median_us": .number(rounded(gets.medianMicroseconds, places: 1)),
            "get_p99_us": .number(rounded(gets.p99Microseconds, places: 1)),
            "set_median_us": .number(rounded(sets.medianMicroseconds, places: 1)),
            "set_p99_us": .number(rounded(sets.p99Microseconds, places: 1)),
            "c_get_median_us": .number(rounded(cGets.medianMicroseconds, places: 1)),
            "c_get_p99_us": .number(rounded(cGets.p99Microseconds, places: 1)),
            "c_set_median_us": .number(rounded(cSets.medianMicroseconds, places: 1)),
            "c_set_p99_us": .number(rounded(cSets.p99Microseconds, places: 1)),
            "pipelined_ops_s": .object(swiftObject),
            "c_pipelined_ops_s": .object(cObject),
            "ratio_vs_c": .number(rounded(ratio, places: 3)),
            "ratio_vs_c_by_in_flight": .object(ratioObject),
            "cpu_us_per_op": .object(["swift": swiftCost.cpuObject, "c": cCost.cpuObject]),
            "csw_per_op": .object(["swift": swiftCost.switchesObject, "c": cCost.switchesObject]),
            "calls": .integer(calls),
            "pipelined_ops": .integer(pipelinedOps),
            "data_bytes": .integer(dataSize),
            "rounds": .integer(rounds),
            "zk": .string(target.label),
            "swift_version": .string(swiftVersion),
        ]
        fields["c_resolution_delay_ms"] = .integer(Int(resolutionDelay))
        return fields
    }

    /// Process CPU time and context switches per operation, per phase ("get", "set", or an
    /// in-flight count); phases measured in several rounds are summed.
    private struct CostTable {
        let client: String
        private var cpu: [String: Duration] = [:]

        init(client: String) { self.client = client }
        private var switches: [String: Int] = [:]
        private var ops: [String: Int] = [:]

        mutating func meter<T>(_ phase: String, ops count: Int, _ body: () async throws -> T) async rethrows -> T {
            Progress.log("\(client) \(Int(phase) == nil ? phase : "pipelined, \(phase) in flight"): \(count) calls")
            let before = ProcessUsage.now()
            let result = try await body()
            let used = ProcessUsage.now() - before
            cpu[phase, default: .zero] += used.cpu
            switches[phase, default: 0] += used.contextSwitches
            ops[phase, default: 0] += count
            return result
        }

        var cpuObject: JSONValue {
            .object(ops.reduce(into: [:]) { object, entry in
                object[entry.key] = .number(rounded((cpu[entry.key] ?? .zero).microseconds / Double(max(entry.value, 1)), places: 1))
            })
        }

        var switchesObject: JSONValue {
            .object(ops.reduce(into: [:]) { object, entry in
                object[entry.key] = .number(rounded(Double(switches[entry.key] ?? 0) / Double(max(entry.value, 1)), places: 2))
            })
        }
    }

    /// Ops/s as a whole number (null if a run took no measurable time).
    private func rate(_ value: Double) -> JSONValue {
        value.isFinite ? .integer(Int(value.rounded())) : .number(value)
    }

    /// `count` calls of `call` one after the other, each timed.
    private func sequential(_ count: Int, _ call: () async throws -> Void) async throws -> LatencySummary {
        var samples: [Duration] = []
        samples.reserveCapacity(count)
        let clock = ContinuousClock()
        for _ in 0..<count {
            let start = clock.now
            try await call()
            samples.append(clock.now - start)
        }
        return LatencySummary(samples)
    }

    /// `ops` sets with exactly `inFlight` outstanding (fewer only at the tail); returns ops/s.
    private func pipelinedSwift(_ client: ZooKeeperClient, path: String, payload: [UInt8],
                                ops: Int, inFlight: Int) async throws -> Double {
        let start = ContinuousClock.now
        // K workers, each with one set outstanding at a time, take the next op from a shared
        // counter: K requests in flight, as with the C driver's semaphore, and no task made per op.
        let tickets = Tickets()
        let workers = min(inFlight, ops)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<workers {
                group.addTask {
                    while tickets.take() < ops {
                        _ = try await client.set(path, data: payload, version: nil)
                    }
                }
            }
            try await group.waitForAll()
        }
        return Double(ops) / (ContinuousClock.now - start).seconds
    }
}

/// The next op number for pipelined workers.
private final class Tickets: Sendable {
    private let next = Atomic<Int>(0)

    func take() -> Int {
        next.add(1, ordering: .relaxed).oldValue
    }
}
