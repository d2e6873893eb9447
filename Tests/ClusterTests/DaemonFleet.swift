import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One `pvcnoded` process started by a test, with its stderr in a file (a pipe nobody drains could
/// fill up and stall the daemon). Trimmed from DaemonTests' DaemonProcess: test targets cannot
/// import each other.
final class DaemonProcess: Sendable {
    let name: String
    let logPath: String
    private let process: Process

    /// The binary the test build put next to the test bundle.
    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("pvcnoded")
    }

    /// `prefix` runs the daemon through another command, e.g. `ip netns exec NS` (which execs the
    /// daemon in place, so the PID and signals are the daemon's).
    init(name: String, configPath: String, logPath: String, prefix: [String] = []) throws {
        self.name = name
        self.logPath = logPath
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        let process = Process()
        if let command = prefix.first {
            process.executableURL = URL(fileURLWithPath: Self.resolve(command))
            process.arguments = Array(prefix.dropFirst()) + [Self.binary.path, "--config", configPath]
        } else {
            process.executableURL = Self.binary
            process.arguments = ["--config", configPath]
        }
        process.standardOutput = FileHandle.nullDevice
        // Appending: a restarted node's log follows its earlier runs' in the same file.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        handle.seekToEndOfFile()
        process.standardError = handle
        self.process = process
        try process.run()
    }

    /// A command name as the shell would find it, sbin directories included.
    private static func resolve(_ command: String) -> String {
        guard !command.contains("/") else { return command }
        for directory in ["/usr/sbin", "/sbin", "/usr/bin", "/bin"] where FileManager.default.isExecutableFile(atPath: directory + "/" + command) {
            return directory + "/" + command
        }
        return command
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    var log: String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    /// The last `lines` lines of the log, for failure messages that stay readable.
    func logTail(_ lines: Int = 40) -> String {
        log.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    func signal(_ signal: Int32) {
        if process.isRunning { kill(pid, signal) }
    }

    /// The exit status, or nil if it did not exit within `timeout`. Process has no async wait for
    /// its end, so this polls the child's state (not a cluster condition).
    func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }
}

/// Every daemon a test starts, under fixed node names that can be stopped and started again, all
/// killed by PID however the test ends.
final class DaemonFleet: Sendable {
    private struct Members {
        var every: [DaemonProcess] = []
        var current: [String: DaemonProcess] = [:]
        var configs: [String: String] = [:]
        var prefixes: [String: [String]] = [:]
    }

    private let members = Mutex(Members())
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("pvcnoded-cluster-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    @discardableResult
    func start(name: String, config: String, prefix: [String] = []) throws -> DaemonProcess {
        let path = directory.appendingPathComponent("\(name).yaml").path
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        members.withLock {
            $0.configs[name] = path
            $0.prefixes[name] = prefix
        }
        return try launch(name: name, configPath: path)
    }

    /// A new process for a node started before, with the same configuration.
    @discardableResult
    func restart(_ name: String) throws -> DaemonProcess {
        guard let path = members.withLock({ $0.configs[name] }) else {
            throw ClusterTestError(message: "\(name) was never started")
        }
        return try launch(name: name, configPath: path)
    }

    private func launch(name: String, configPath: String) throws -> DaemonProcess {
        let daemon = try DaemonProcess(name: name, configPath: configPath,
                                       logPath: directory.appendingPathComponent("\(name).log").path,
                                       prefix: members.withLock { $0.prefixes[name] } ?? [])
        members.withLock {
            $0.every.append(daemon)
            $0.current[name] = daemon
        }
        return daemon
    }

    func daemon(_ name: String) -> DaemonProcess? {
        members.withLock { $0.current[name] }
    }

    /// The logs of every node, for a failure message.
    func logTails(_ lines: Int = 30) -> String {
        members.withLock { Array($0.current.values) }.sorted { $0.name < $1.name }
            .map { "--- \($0.name) ---\n\($0.logTail(lines))" }.joined(separator: "\n")
    }

    func killAll() async {
        for daemon in members.withLock({ $0.every }) {
            daemon.signal(SIGKILL)
            _ = await daemon.waitForExit(timeout: .seconds(5))
        }
        try? FileManager.default.removeItem(at: directory)
    }
}

struct ClusterTestError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// Runs `body` with a fleet and kills every daemon in it however `body` ends (Swift has no async
/// defer).
func withFleet<T>(_ body: (DaemonFleet) async throws -> T) async throws -> T {
    let fleet = try DaemonFleet()
    do {
        let result = try await body(fleet)
        await fleet.killAll()
        return result
    } catch {
        await fleet.killAll()
        throw error
    }
}
