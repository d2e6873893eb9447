import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A single-host Ceph (1 mon, 1 mgr, 1 OSD) run by `scripts/ceph.sh` entirely in `directory`,
/// for the CephStorage tests and benchmarks. See the script's header for ports, files and logs.
public struct CephCluster: Sendable {
    static let scriptName = "ceph.sh"

    public enum ObjectStore: String, Sendable {
        /// Survives `stop` + `start` (what `restart` needs); about 6-9 s to start.
        case bluestore
        /// In memory: faster to start, loses everything when the OSD stops.
        case memstore
    }

    public let directory: String
    public let objectStore: ObjectStore
    private let ownsDirectory: Bool

    /// `DIR/ceph.conf`: mon host, cephx, and the admin keyring through its `[client]` section.
    public var configFile: String { path("ceph.conf") }
    /// The client.admin keyring.
    public var keyringFile: String { path("keyring") }
    /// Ceph's own logs (ceph-mon.a.log, ceph-mgr.x.log, ceph-osd.0.log, launch.log).
    public var logDirectory: String { path("log") }

    /// `127.0.0.1:P`, the mon's msgr2 port (read from the layout: a restart may move it).
    public var monitorAddress: String {
        let ports = Self.readLayout(in: directory).ports
        return "127.0.0.1:\(ports.max() ?? 0)"
    }

    /// Starts a cluster in a new temporary directory or in `directory` (an existing bluestore
    /// DIR restarts with its data). The script stops it if this process dies first.
    public static func start(directory: String? = nil, objectStore: ObjectStore = .bluestore) async throws -> CephCluster {
        let service = try ServiceDirectory(directory, prefix: "pvc-ceph")
        let cluster = CephCluster(directory: service.path, objectStore: objectStore, ownsDirectory: service.owned)
        do {
            try await cluster.runStart()
        } catch {
            _ = try? await Script.run(scriptName, ["stop", service.path], timeout: 60)
            if service.owned { try? FileManager.default.removeItem(atPath: service.path) }
            throw error
        }
        return cluster
    }

    private init(directory: String, objectStore: ObjectStore, ownsDirectory: Bool) {
        self.directory = directory
        self.objectStore = objectStore
        self.ownsDirectory = ownsDirectory
    }

    private func runStart() async throws {
        let arguments = ["start", directory, "--objectstore", objectStore.rawValue, "--watch", String(getpid())]
        let output = try await Script.run(Self.scriptName, arguments, timeout: 150)
        let printed = output.stdout.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
        guard printed == configFile else {
            throw LocalServiceError.unexpectedOutput(
                command: "\(Self.scriptName) \(arguments.joined(separator: " "))", output: output.stdout)
        }
    }

    /// Stops the daemons (and removes the directory if `start` made it, unless `keepData`).
    public func stop(keepData: Bool = false) async throws {
        _ = try await Script.run(Self.scriptName, ["stop", directory], timeout: 60)
        if ownsDirectory && !keepData {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    /// Stop, then start on the same directory: with bluestore the images survive.
    public func restart() async throws {
        _ = try await Script.run(Self.scriptName, ["stop", directory], timeout: 60)
        try await runStart()
    }

    /// SIGSTOPs the mon and the OSD: clients see a cluster that does not answer.
    public func pause() async throws {
        _ = try await Script.run(Self.scriptName, ["pause", directory], timeout: 30)
    }

    public func resume() async throws {
        _ = try await Script.run(Self.scriptName, ["resume", directory], timeout: 30)
    }

    /// The script's status: a line per daemon (name, PID, state, RSS) and the start figures.
    public func status() async throws -> String {
        try await Script.run(Self.scriptName, ["status", directory], timeout: 30).stdout
    }

    /// Runs the `rbd` CLI against this cluster (or with `config`), bounded; returns its stdout.
    public func rbd(_ arguments: [String], config: String? = nil, timeout: Double = 60) async throws -> String {
        try await ToolCommand.run("/usr/bin/rbd", ["-c", config ?? configFile] + arguments, timeout: timeout)
    }

    /// Runs the `ceph` CLI against this cluster, bounded; returns its stdout.
    public func ceph(_ arguments: [String], config: String? = nil, timeout: Double = 60) async throws -> String {
        try await ToolCommand.run(
            "/usr/bin/ceph", ["-c", config ?? configFile, "--connect-timeout", "15"] + arguments, timeout: timeout)
    }

    /// Starts `rbd ARGS` in the background (e.g. `bench --io-type write`, a live writer); the
    /// caller stops it with `terminate()` or awaits its exit.
    public func spawnRBD(_ arguments: [String], config: String? = nil) throws -> BackgroundCommand {
        try BackgroundCommand(executable: "/usr/bin/rbd", arguments: ["-c", config ?? configFile] + arguments)
    }

    private func path(_ name: String) -> String {
        (directory as NSString).appendingPathComponent(name)
    }

    static func readLayout(in directory: String) -> (ports: [Int], values: [String: String]) {
        let file = (directory as NSString).appendingPathComponent("layout")
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return ([], [:]) }
        var ports: [Int] = []
        var values: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            if parts[0] == "port", let port = Int(parts[1]) { ports.append(port) } else { values[parts[0]] = parts[1] }
        }
        return (ports, values)
    }
}
