import ArgumentParser
import Coordination
import DedicatedThreads
import Foundation
import ZooKeeper

/// `pvc-bench footprint`: three `pvcnoded` daemons on a fresh cluster tree, measured while they
/// run: resident set, CPU, ZooKeeper requests per keepalive interval (counted by the server), and
/// the time from process start to `run`.
struct FootprintBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "footprint",
        abstract: "RSS, CPU, ZooKeeper requests per keepalive and start-to-run time of three pvcnoded daemons.",
        discussion: """
            Creates a fresh chroot on the ZooKeeper, initialises it with `pvcctl cluster init` \
            (schema 15), starts hv1, hv2 and hv3 (all coordinators) with configs in a temporary \
            directory, waits until each reports `run`, then measures for --duration seconds. \
            Requests are counted by the server: each daemon's connection is found in the `cons` \
            four-letter word by its client port (read from /proc/PID/fd and /proc/PID/net/tcp*), \
            and its `recved` counter's growth over the window is divided by the keepalive intervals \
            in the window. Every process started here is stopped by PID at the end, also on error.
            """
    )

    @OptionGroup var target: ZooKeeperTarget

    @OptionGroup var cluster: ClusterOptions

    @Option(help: "Seconds measured once every daemon is in run.")
    var duration: Int = 60

    func validate() throws {
        guard duration > 0 else { throw ValidationError("--duration must be positive") }
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

    // MARK: The run

    private func measure(_ connectString: String, binaries: ClusterBinaries) async throws -> [String: JSONValue] {
        let (fields, exits) = try await DaemonCluster.run(
            cluster, binaries: binaries, connectString: connectString, purpose: "footprint",
            ownServer: target.connectString == nil
        ) { running in
            try await window(running.daemons, servers: running.servers, runTimes: running.runTimes)
        }
        var result = fields
        result["exit_status"] = .object(exits)
        result["zk"] = .string(target.label)
        return result
    }

    /// One daemon's state at one instant: CPU time and its connection's server-side counters.
    private struct Snapshot {
        let cpuSeconds: Double
        let connection: ServerConnection
    }

    /// Every server's connections (the daemons may be spread over an ensemble).
    private func serverConnections(_ servers: [(host: String, port: Int)]) async throws -> [Int: ServerConnection] {
        var byPort: [Int: ServerConnection] = [:]
        var failures: [String] = []
        for server in servers {
            do {
                let reply = try await DedicatedThread.run {
                    try sendFourLetterWord("cons", host: server.host, port: server.port)
                }
                for connection in ServerConnection.parse(reply) { byPort[connection.clientPort] = connection }
            } catch {
                failures.append("\(error)")
            }
        }
        if failures.count == servers.count {
            throw BenchError("no server answered `cons`: \(failures.joined(separator: "; ")) (is 4lw.commands.whitelist set?)")
        }
        return byPort
    }

    /// CPU time and each daemon's connection, taken together.
    private func snapshots(_ daemons: [ChildProcess], servers: [(host: String, port: Int)]) async throws -> [String: Snapshot] {
        let ports = Set(servers.map(\.port))
        var localPorts: [String: Int] = [:]
        for daemon in daemons {
            let found = ProcFS.localPorts(of: daemon.pid, toRemotePorts: ports)
            guard found.count == 1, let port = found.first else {
                throw BenchError("\(daemon.name) (pid \(daemon.pid)) has \(found.count) connections to ZooKeeper port(s) \(ports.sorted()); expected one")
            }
            localPorts[daemon.name] = port
        }
        let cpu = daemons.map { ($0.name, ProcFS.cpuSeconds($0.pid)) }
        let connections = try await serverConnections(servers)
        var result: [String: Snapshot] = [:]
        for (name, seconds) in cpu {
            guard let seconds else { throw BenchError("\(name) is gone (no /proc entry)") }
            guard let port = localPorts[name], let connection = connections[port] else {
                throw BenchError("\(name)'s connection (client port \(localPorts[name] ?? 0)) is not in the servers' `cons`")
            }
            result[name] = Snapshot(cpuSeconds: seconds, connection: connection)
        }
        return result
    }

    /// The measured window: snapshots at both ends, RSS every second in between.
    private func window(_ daemons: [ChildProcess], servers: [(host: String, port: Int)],
                        runTimes: [String: Double]) async throws -> [String: JSONValue] {
        var rssMax: [String: Double] = [:]
        func sampleRSS() throws {
            for daemon in daemons {
                guard daemon.isRunning, let rss = ProcFS.residentMiB(daemon.pid) else {
                    throw BenchError("\(daemon.name) (pid \(daemon.pid)) exited during the measurement; its output ends with:\n\(daemon.logTail())")
                }
                rssMax[daemon.name] = max(rssMax[daemon.name] ?? 0, rss)
            }
        }
        try sampleRSS()
        let first = try await snapshots(daemons, servers: servers)
        let start = ContinuousClock.now
        let cpuAtRun = first.mapValues(\.cpuSeconds)
        Progress.log("measuring for \(duration) s (keepalive every \(cluster.keepaliveInterval) s)")
        for second in 1...duration {
            try await Task.sleep(until: start + .seconds(second), clock: .continuous)
            try sampleRSS()
            if second % 10 == 0, second < duration { Progress.log("\(second) s") }
        }
        let last = try await snapshots(daemons, servers: servers)
        let elapsed = (ContinuousClock.now - start).seconds
        let rssEnd = daemons.reduce(into: [String: Double]()) { $0[$1.name] = ProcFS.residentMiB($1.pid) ?? .nan }
        let intervals = elapsed / cluster.keepaliveInterval

        var perDaemon: [String: JSONValue] = [:]
        var cpuMax = 0.0
        var requestsMax = 0.0
        for daemon in daemons {
            guard let before = first[daemon.name], let after = last[daemon.name] else { continue }
            guard before.connection.clientPort == after.connection.clientPort,
                  before.connection.sessionID == after.connection.sessionID else {
                throw BenchError("\(daemon.name) reconnected during the window (port \(before.connection.clientPort) → \(after.connection.clientPort), session \(before.connection.sessionID) → \(after.connection.sessionID)); its counters restarted")
            }
            let cpuPercent = (after.cpuSeconds - before.cpuSeconds) / elapsed * 100
            let received = after.connection.received - before.connection.received
            let xids = after.connection.lastClientXid - before.connection.lastClientXid
            let requestsPerInterval = Double(received) / intervals
            cpuMax = max(cpuMax, cpuPercent)
            requestsMax = max(requestsMax, requestsPerInterval)
            perDaemon[daemon.name] = .object([
                "pid": .integer(Int(daemon.pid)),
                "rss_mib_max": .number(rounded(rssMax[daemon.name] ?? .nan, places: 2)),
                "rss_mib_end": .number(rounded(rssEnd[daemon.name] ?? .nan, places: 2)),
                "cpu_percent": .number(rounded(cpuPercent, places: 3)),
                "cpu_s_start_to_run": .number(rounded(cpuAtRun[daemon.name] ?? .nan, places: 3)),
                "start_to_run_s": .number(rounded(runTimes[daemon.name] ?? .nan, places: 3)),
                "zk_received": .integer(received),
                "zk_requests_per_interval": .number(rounded(requestsPerInterval, places: 2)),
                "zk_xid_requests_per_interval": .number(rounded(Double(xids) / intervals, places: 2)),
                "zk_client_port": .integer(after.connection.clientPort),
                "zk_session": .string(after.connection.sessionID),
            ])
        }
        let rssOverall = rssMax.values.max() ?? .nan
        let runOverall = runTimes.values.max() ?? .nan
        return [
            "rss_mib_max": .number(rounded(rssOverall, places: 2)),
            "cpu_percent_max": .number(rounded(cpuMax, places: 3)),
            "zk_requests_per_interval_max": .number(rounded(requestsMax, places: 2)),
            "start_to_run_s_max": .number(rounded(runOverall, places: 3)),
            "daemons": .object(perDaemon),
            "duration_s": .number(rounded(elapsed, places: 3)),
            "keepalive_interval_s": .number(cluster.keepaliveInterval),
            "intervals": .number(rounded(intervals, places: 3)),
            "zk_requests_counted_as": .string("server-side cons recved delta over the window (requests and pings) / intervals; zk_xid_requests_per_interval: lcxid delta (numbered requests, no pings)"),
            "pvc_reference": .object([
                "rss_mib": .object(["min": .number(102), "max": .number(115)]),
                "cpu_percent": .object(["min": .number(0.5), "max": .number(0.8)]),
                "zk_requests_per_interval": .object(["min": .number(67), "max": .number(84)]),
                "start_to_run_s": .object(["min": .number(23), "max": .number(28)]),
            ]),
            "targets": .object([
                "rss_mib_max": .number(20),
                "cpu_percent_max": .number(0.1),
                "zk_requests_per_interval_max": .number(3),
                "start_to_run_s_max": .number(1),
            ]),
            "swift_version": .string(swiftVersion),
        ]
    }
}
