import ArgumentParser
import Coordination
import Foundation
import ZooKeeper

/// The options of a subcommand that runs three `pvcnoded` daemons (footprint, switchover).
struct ClusterOptions: ParsableArguments {
    @Option(name: .customLong("keepalive-interval"), help: "The daemons' timer.keepalive_interval, in seconds.")
    var keepaliveInterval: Double = 5

    @Option(help: ArgumentHelp("The pvcnoded binary (default: next to pvc-bench).", valueName: "path"))
    var pvcnoded: String?

    @Option(help: ArgumentHelp("The pvcctl binary used for `cluster init` (default: next to pvc-bench).", valueName: "path"))
    var pvcctl: String?

    @Option(name: .customLong("run-timeout"), help: "Seconds each daemon gets to reach run before the benchmark fails.")
    var runTimeout: Int = 60

    func validate() throws {
        guard keepaliveInterval > 0, keepaliveInterval.isFinite else {
            throw ValidationError("--keepalive-interval must be a positive number of seconds")
        }
        guard runTimeout > 0 else { throw ValidationError("--run-timeout must be positive") }
    }

    /// The binaries, checked before anything is started so that a missing build fails fast.
    func binaries() throws -> ClusterBinaries {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        func locate(_ given: String?, _ name: String) throws -> String {
            let path = given ?? here.appendingPathComponent(name).path
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw BenchError("no executable \(name) at \(path); build it (swift build --product \(name)) or pass --\(name) PATH")
            }
            return path
        }
        return ClusterBinaries(pvcnoded: try locate(pvcnoded, "pvcnoded"), pvcctl: try locate(pvcctl, "pvcctl"))
    }
}

struct ClusterBinaries: Sendable {
    let pvcnoded: String
    let pvcctl: String
}

/// Three coordinator daemons (hv1..hv3) in `run` on a fresh, initialised chroot: what a
/// subcommand's measurement gets to work with.
struct DaemonCluster: Sendable {
    static let nodeNames = ["hv1", "hv2", "hv3"]

    /// The server list without the chroot.
    let hosts: String
    let chroot: String
    let servers: [(host: String, port: Int)]
    let daemons: [ChildProcess]
    /// Seconds from each process's start to the first `run` seen.
    let runTimes: [String: Double]
    /// A session of pvc-bench's own, inside the chroot.
    let observer: ZooKeeperClient

    /// Sets up the cluster, runs `body`, then stops every daemon by PID and removes the chroot (on
    /// a server we did not start) and the temporary directory — also when anything throws.
    /// Returns `body`'s value and each daemon's exit status.
    static func run<T>(
        _ options: ClusterOptions, binaries: ClusterBinaries, connectString: String, purpose: String, ownServer: Bool,
        _ body: (DaemonCluster) async throws -> T
    ) async throws -> (value: T, exitStatus: [String: JSONValue]) {
        let (hosts, base) = splitConnectString(connectString)
        let servers = try servers(hosts)
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let chroot = (base ?? "") + "/pvc-\(purpose)-\(suffix)"

        var rootConfiguration = ZooKeeperClient.Configuration(hosts: hosts)
        rootConfiguration.libraryLogLevel = .error
        rootConfiguration.connectTimeout = .seconds(20)
        let root = try await ZooKeeperClient.connect(rootConfiguration)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pvc-\(purpose)-\(suffix)")
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

            for node in nodeNames {
                let nodeDirectory = directory.appendingPathComponent(node)
                for sub in ["run", "log"] {
                    try FileManager.default.createDirectory(at: nodeDirectory.appendingPathComponent(sub),
                                                            withIntermediateDirectories: true)
                }
                let configPath = nodeDirectory.appendingPathComponent("pvcnoded.yaml").path
                try config(node: node, cluster: purpose, connect: hosts + chroot, directory: directory,
                           keepaliveInterval: options.keepaliveInterval)
                    .write(toFile: configPath, atomically: true, encoding: .utf8)
                daemons.append(try ChildProcess(name: node, executable: binaries.pvcnoded,
                                                arguments: ["--config", configPath],
                                                logPath: nodeDirectory.appendingPathComponent("pvcnoded.out").path))
            }
            Progress.log("started pvcnoded \(daemons.map { "\($0.name) (pid \($0.pid))" }.joined(separator: ", "))")

            let runTimes = try await waitForRun(daemons, observer: watching, timeout: options.runTimeout)
            Progress.log("all in run; start to run: "
                         + daemons.map { "\($0.name) \(rounded(runTimes[$0.name] ?? .nan, places: 3)) s" }.joined(separator: ", "))

            let cluster = DaemonCluster(hosts: hosts, chroot: chroot, servers: servers, daemons: daemons,
                                        runTimes: runTimes, observer: watching)
            let value = try await body(cluster)

            var exits: [String: JSONValue] = [:]
            for daemon in daemons {
                let status = await daemon.stop()
                exits[daemon.name] = status.map { .integer(Int($0)) } ?? .string("did not exit")
            }
            Progress.log("daemons stopped (exit status \(daemons.map { "\($0.name) \(exits[$0.name]?.rendered ?? "?")" }.joined(separator: ", ")))")
            await watching.close()
            await cleanUp(root: root, chroot: chroot, ownServer: ownServer, directory: directory)
            return (value, exits)
        } catch {
            for daemon in daemons {
                if daemon.isRunning, !daemon.logTail().isEmpty {
                    Progress.log("\(daemon.name) output ends with:\n\(daemon.logTail())")
                }
                _ = await daemon.stop()
            }
            await observer?.close()
            await cleanUp(root: root, chroot: chroot, ownServer: ownServer, directory: directory)
            throw error
        }
    }

    /// Throws with the daemon's last output if any daemon has exited: a figure measured on a
    /// cluster that lost a member would be meaningless.
    func checkAlive() throws {
        for daemon in daemons where !daemon.isRunning {
            throw BenchError("\(daemon.name) (pid \(daemon.pid)) exited; its output ends with:\n\(daemon.logTail())")
        }
    }

    // MARK: Setting up

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

    private static func config(node: String, cluster: String, connect: String, directory: URL,
                               keepaliveInterval: Double) -> String {
        let nodeDirectory = directory.appendingPathComponent(node)
        return """
            node:
              name: \(node)
            cluster:
              name: \(cluster)
              coordinator_nodes: [\(nodeNames.joined(separator: ", "))]
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

    /// Removes the chroot (on a server we did not start), closes the root session, removes the
    /// temporary directory.
    private static func cleanUp(root: ZooKeeperClient, chroot: String, ownServer: Bool, directory: URL) async {
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
    private static func initialise(connect: String, pvcctl: String, directory: URL) async throws {
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
    private static func waitForRun(_ daemons: [ChildProcess], observer: ZooKeeperClient,
                                   timeout: Int) async throws -> [String: Double] {
        var times: [String: Double] = [:]
        let deadline = ContinuousClock.now + .seconds(timeout)
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
                throw BenchError("not in run after \(timeout) s: \(waiting.map(\.name).joined(separator: ", "))\n"
                                 + waiting.map { "\($0.name): \($0.logTail())" }.joined(separator: "\n"))
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return times
    }
}
