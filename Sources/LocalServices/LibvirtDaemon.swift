import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One root libvirtd run by `scripts/libvirt.sh` in its own mount namespace, with its own
/// socket, TCP port, migration ports and host UUID, so that tests can run several "nodes" on
/// one machine and live-migrate between them.
///
/// A handle on the script's directory. The script watches this process, so a crashed test
/// still has its libvirtd and guests stopped within about a second; a test should still call
/// `stop` itself.
public struct LibvirtDaemon: Sendable {
    static let scriptName = "libvirt.sh"

    /// The DIR given to the script: configs, state, logs, PID files.
    public let directory: String
    public let name: String
    /// `qemu+unix:///system?socket=DIR/run/libvirt-sock`: what this process connects with.
    public let uri: String
    /// `qemu+tcp://127.0.0.1:PORT/system` (no auth): a destination URI other libvirtds can
    /// reach for a peer-to-peer migration.
    public let tcpURI: String
    /// libvirtd's TCP port; incoming migration data uses the next four.
    public let port: Int
    public let hostUUID: String
    /// libvirtd's PID (as the script recorded it), so a test can check it is gone after `stop`.
    public let pid: Int32
    private let ownsDirectory: Bool

    /// Tests that need a real libvirtd call this first, so a non-root run fails with a clear
    /// message rather than skipping.
    public static func requireRoot() throws {
        let euid = geteuid()
        guard euid == 0 else { throw LibvirtDaemonError.notRoot(euid: euid) }
    }

    /// Starts a libvirtd named `name` (a label for logs) in a new temporary directory under
    /// /tmp (unix socket paths are short) or in `directory`.
    public static func start(name: String, directory: String? = nil) async throws -> LibvirtDaemon {
        try requireRoot()
        let service = try ServiceDirectory(directory, prefix: "pvc-lv", base: "/tmp")
        let dir = service.path
        let owns = service.owned
        let arguments = ["start", dir, name, "--watch", String(getpid())] + (owns ? ["--watch-remove"] : [])
        let output: ScriptOutput
        do {
            output = try await Script.run(scriptName, arguments, timeout: 120)
        } catch {
            _ = try? await Script.run(scriptName, ["stop", dir], timeout: 60)
            if owns { try? FileManager.default.removeItem(atPath: dir) }
            throw error
        }
        let layout = readLayout(in: dir)
        let printed = output.stdout.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
        guard let uri = layout["uri"], uri == printed, let tcpURI = layout["tcp_uri"],
              let port = layout["port"].flatMap(Int.init), let hostUUID = layout["host_uuid"],
              let pid = readPID(in: dir)
        else {
            _ = try? await Script.run(scriptName, ["stop", dir], timeout: 60)
            if owns { try? FileManager.default.removeItem(atPath: dir) }
            throw LocalServiceError.unexpectedOutput(
                command: "\(scriptName) \(arguments.joined(separator: " "))", output: output.stdout)
        }
        return LibvirtDaemon(
            directory: dir, name: name, uri: uri, tcpURI: tcpURI, port: port, hostUUID: hostUUID, pid: pid,
            ownsDirectory: owns)
    }

    private init(
        directory: String, name: String, uri: String, tcpURI: String, port: Int, hostUUID: String, pid: Int32,
        ownsDirectory: Bool
    ) {
        self.directory = directory
        self.name = name
        self.uri = uri
        self.tcpURI = tcpURI
        self.port = port
        self.hostUUID = hostUUID
        self.pid = pid
        self.ownsDirectory = ownsDirectory
    }

    /// Destroys this daemon's guests, stops it and its watcher, and removes the directory if
    /// `start` made it. Safe to call twice.
    public func stop() async throws {
        _ = try await Script.run(Self.scriptName, ["stop", directory], timeout: 60)
        if ownsDirectory {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    /// The script's status line: whether libvirtd is up and how many qemu processes it has.
    public func status() async throws -> (running: Bool, guests: Int) {
        let output = try await Script.run(Self.scriptName, ["status", directory], timeout: 30)
        let fields = output.stdout.split(whereSeparator: \.isWhitespace)
        guard fields.count == 6, let guests = Int(fields[5]) else {
            throw LocalServiceError.unexpectedOutput(command: "\(Self.scriptName) status \(directory)", output: output.stdout)
        }
        return (fields[4] == "up", guests)
    }

    /// Whether a process is alive; a zombie counts as dead (PID 1 here reaps orphans lazily).
    public static func isAlive(pid: Int32) -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return false }
        for line in status.split(whereSeparator: \.isNewline) where line.hasPrefix("State:") {
            let state = line.dropFirst("State:".count).trimmingCharacters(in: .whitespaces)
            return !state.hasPrefix("Z") && !state.hasPrefix("X")
        }
        return false
    }

    /// The qemu PID of guest `name`, from the PID file libvirt keeps under DIR/run/qemu.
    public func guestPID(name: String) -> Int32? {
        let path = (directory as NSString).appendingPathComponent("run/qemu/\(name).pid")
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The daemon's log, for a failing test's message.
    public func logTail(lines: Int = 20) -> String {
        let path = (directory as NSString).appendingPathComponent("log/libvirtd.log")
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return "" }
        return text.split(whereSeparator: \.isNewline).suffix(lines).joined(separator: "\n")
    }

    private static func readPID(in directory: String) -> Int32? {
        let path = (directory as NSString).appendingPathComponent("libvirtd.pid")
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// DIR/layout: one KEY=VALUE a line.
    private static func readLayout(in directory: String) -> [String: String] {
        let path = (directory as NSString).appendingPathComponent("layout")
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var values: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { values[parts[0]] = parts[1] }
        }
        return values
    }
}
