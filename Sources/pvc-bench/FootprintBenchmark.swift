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

    @Option(help: "Seconds measured once every daemon is in run.")
    var duration: Int = 60

    @Option(name: .customLong("keepalive-interval"), help: "The daemons' timer.keepalive_interval, in seconds.")
    var keepaliveInterval: Double = 5

    @Option(help: ArgumentHelp("The pvcnoded binary (default: next to pvc-bench).", valueName: "path"))
    var pvcnoded: String?

    @Option(help: ArgumentHelp("The pvcctl binary used for `cluster init` (default: next to pvc-bench).", valueName: "path"))
    var pvcctl: String?

    @Option(name: .customLong("run-timeout"), help: "Seconds each daemon gets to reach run before the benchmark fails.")
    var runTimeout: Int = 60

    static let nodeNames = ["hv1", "hv2", "hv3"]

    func validate() throws {
        guard duration > 0 else { throw ValidationError("--duration must be positive") }
        guard keepaliveInterval > 0, keepaliveInterval.isFinite else {
            throw ValidationError("--keepalive-interval must be a positive number of seconds")
        }
        guard runTimeout > 0 else { throw ValidationError("--run-timeout must be positive") }
    }

    mutating func run() async throws {
        let settings = self
        let binaries = try settings.binaries()
        ChildRegistry.shared.installSignalHandlers()
        let fields = try await target.withConnectString { connectString in
            try await settings.measure(connectString, binaries: binaries)
        }
        emitResult(fields)
    }

    // MARK: Setting up

    private struct Binaries {
        let pvcnoded: String
        let pvcctl: String
    }

    private func binaries() throws -> Binaries {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        func locate(_ given: String?, _ name: String) throws -> String {
            let path = given ?? here.appendingPathComponent(name).path
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw BenchError("no executable \(name) at \(path); build it (swift build --product \(name)) or pass --\(name) PATH")
            }
            return path
        }
        return Binaries(pvcnoded: try locate(pvcnoded, "pvcnoded"), pvcctl: try locate(pvcctl, "pvcctl"))
    }

    /// "h1:2181,h2:2181/base" → hosts "h1:2181,h2:2181", base "/base" (nil without one).
    private static func splitConnectString(_ text: String) -> (hosts: String, base: String?) {
        guard let slash = text.firstIndex(of: "/") else { return (text, nil) }
        var base = String(text[slash...])
        while base.hasSuffix("/") { base.removeLast() }
        return (String(text[..<slash]), base.isEmpty ? nil : base)
    }

    /// The host and port of each server in a host list (port 2181 when none is given).
    private static func servers(_ hosts: String) throws -> [(host: String, port: Int)] {
        try hosts.split(separator: ",").map { entry in
            let text = entry.trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
                let host = String(text[text.index(after: text.startIndex)..<close])
                let rest = text[text.index(after: close)...]
                return (host, rest.hasPrefix(":") ? Int(rest.dropFirst()) ?? 2181 : 2181)
            }
            guard let colon = text.lastIndex(of: ":") else { return (text, 2181) }
            guard let port = Int(text[text.index(after: colon)...]) else {
                throw BenchError("cannot read the port in '\(text)'")
            }
            return (String(text[..<colon]), port)
        }
    }

    private func config(node: String, connect: String, directory: URL) -> String {
        let nodeDirectory = directory.appendingPathComponent(node)
        return """
            node:
              name: \(node)
            cluster:
              name: footprint
              coordinator_nodes: [\(Self.nodeNames.joined(separator: ", "))]
            database:
              zookeeper:
                connect: "\(connect)"
            path:
              dynamic_directory: "\(nodeDirectory.appendingPathComponent("run").path)"
              system_log_directory: "\(nodeDirectory.appendingPathComponent("log").path)"
            timer:
              keepalive_interval: \(keepaliveInterval)

            """
    }

    // MARK: The run

    private func measure(_ connectString: String, binaries: Binaries) async throws -> [String: JSONValue] {
        let (hosts, base) = Self.splitConnectString(connectString)
        let servers = try Self.servers(hosts)
        let chroot = (base ?? "") + "/pvc-footprint-\(UUID().uuidString.prefix(8).lowercased())"

        var rootConfiguration = ZooKeeperClient.Configuration(hosts: hosts)
        rootConfiguration.libraryLogLevel = .error
        rootConfiguration.connectTimeout = .seconds(20)
        let root = try await ZooKeeperClient.connect(rootConfiguration)
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("pvc-footprint-\(UUID().uuidString.prefix(8).lowercased())")
        var daemons: [ChildProcess] = []
        var observer: ZooKeeperClient?
        do {
            _ = try await root.create(chroot, data: [], mode: .persistent, makeParents: true)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            ChildRegistry.shared.addDirectory(directory.path)
            Progress.log("cluster chroot \(hosts)\(chroot); configs and logs in \(directory.path)")

            try await initialise(connect: hosts + chroot, pvcctl: binaries.pvcctl, directory: directory)

            var inside = ZooKeeperClient.Configuration(hosts: hosts, chroot: chroot)
            inside.libraryLogLevel = .error
            inside.connectTimeout = .seconds(20)
            let watching = try await ZooKeeperClient.connect(inside)
            observer = watching

            for node in Self.nodeNames {
                let nodeDirectory = directory.appendingPathComponent(node)
                for sub in ["run", "log"] {
                    try FileManager.default.createDirectory(at: nodeDirectory.appendingPathComponent(sub),
                                                            withIntermediateDirectories: true)
                }
                let configPath = nodeDirectory.appendingPathComponent("pvcnoded.yaml").path
                try config(node: node, connect: hosts + chroot, directory: directory)
                    .write(toFile: configPath, atomically: true, encoding: .utf8)
                daemons.append(try ChildProcess(name: node, executable: binaries.pvcnoded,
                                                arguments: ["--config", configPath],
                                                logPath: nodeDirectory.appendingPathComponent("pvcnoded.out").path))
            }
            Progress.log("started pvcnoded \(daemons.map { "\($0.name) (pid \($0.pid))" }.joined(separator: ", "))")

            let runTimes = try await waitForRun(daemons, observer: watching)
            Progress.log("all in run; start to run: "
                         + daemons.map { "\($0.name) \(rounded(runTimes[$0.name] ?? .nan, places: 3)) s" }.joined(separator: ", "))

            let fields = try await window(daemons, servers: servers, runTimes: runTimes)

            var exits: [String: JSONValue] = [:]
            for daemon in daemons {
                let status = await daemon.stop()
                exits[daemon.name] = status.map { .integer(Int($0)) } ?? .string("did not exit")
            }
            Progress.log("daemons stopped (exit status \(daemons.map { "\($0.name) \(exits[$0.name]?.rendered ?? "?")" }.joined(separator: ", ")))")
            await watching.close()
            await cleanUp(root: root, chroot: chroot, ownServer: target.connectString == nil, directory: directory)
            var result = fields
            result["exit_status"] = .object(exits)
            result["zk"] = .string(target.label)
            return result
        } catch {
            for daemon in daemons {
                if daemon.isRunning, !daemon.logTail().isEmpty {
                    Progress.log("\(daemon.name) output ends with:\n\(daemon.logTail())")
                }
                _ = await daemon.stop()
            }
            await observer?.close()
            await cleanUp(root: root, chroot: chroot, ownServer: target.connectString == nil, directory: directory)
            throw error
        }
    }

    /// Removes the chroot (on a server we did not start), closes the root session, removes the
    /// temporary directory.
    private func cleanUp(root: ZooKeeperClient, chroot: String, ownServer: Bool, directory: URL) async {
        if !ownServer {
            do {
                try await root.deleteRecursive(chroot)
            } catch {
                Progress.log("could not remove \(chroot): \(error)")
            }
        }
        await root.close()
        try? FileManager.default.removeItem(at: directory)
        ChildRegistry.shared.removeDirectory(directory.path)
    }

    /// `pvcctl cluster init --zk HOSTS/CHROOT`: schema 15's base keys, as PVC's cluster_initialize.
    private func initialise(connect: String, pvcctl: String, directory: URL) async throws {
        let started = ContinuousClock.now
        let child = try ChildProcess(name: "pvcctl", executable: pvcctl, arguments: ["cluster", "init", "--zk", connect],
                                     logPath: directory.appendingPathComponent("pvcctl-init.out").path)
        guard let status = await child.waitForExit(timeout: .seconds(60)) else {
            _ = await child.stop(grace: .seconds(2))
            throw BenchError("pvcctl cluster init did not finish within 60 s:\n\(child.logTail())")
        }
        guard status == 0 else {
            throw BenchError("pvcctl cluster init exited with \(status):\n\(child.logTail())")
        }
        Progress.log("pvcctl cluster init done in \(Progress.seconds(since: started))")
    }

    /// Polls every daemon's `/nodes/NAME/daemonstate` every 10 ms (from a session of our own)
    /// until it reads `run`; returns seconds from each process's start to the first `run` seen.
    private func waitForRun(_ daemons: [ChildProcess], observer: ZooKeeperClient) async throws -> [String: Double] {
        var times: [String: Double] = [:]
        let deadline = ContinuousClock.now + .seconds(runTimeout)
        while times.count < daemons.count {
            for daemon in daemons where times[daemon.name] == nil {
                guard daemon.isRunning else {
                    throw BenchError("\(daemon.name) (pid \(daemon.pid)) exited before reaching run; its output ends with:\n\(daemon.logTail())")
                }
                let state = try? await observer.get("/nodes/\(daemon.name)/daemonstate").data
                if let state, String(decoding: state, as: UTF8.self) == "run" {
                    times[daemon.name] = (ContinuousClock.now - daemon.started).seconds
                }
            }
            if times.count == daemons.count { break }
            guard ContinuousClock.now < deadline else {
                let waiting = daemons.filter { times[$0.name] == nil }
                throw BenchError("not in run after \(runTimeout) s: \(waiting.map(\.name).joined(separator: ", "))\n"
                                 + waiting.map { "\($0.name): \($0.logTail())" }.joined(separator: "\n"))
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return times
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
        Progress.log("measuring for \(duration) s (keepalive every \(keepaliveInterval) s)")
        for second in 1...duration {
            try await Task.sleep(until: start + .seconds(second), clock: .continuous)
            try sampleRSS()
            if second % 10 == 0, second < duration { Progress.log("\(second) s") }
        }
        let last = try await snapshots(daemons, servers: servers)
        let elapsed = (ContinuousClock.now - start).seconds
        let rssEnd = daemons.reduce(into: [String: Double]()) { $0[$1.name] = ProcFS.residentMiB($1.pid) ?? .nan }
        let intervals = elapsed / keepaliveInterval

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
            "keepalive_interval_s": .number(keepaliveInterval),
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
