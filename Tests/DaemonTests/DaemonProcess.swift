import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One `pvcnoded` started by a test, with its stderr in a file (a pipe nobody drains could fill
/// up and stall the daemon).
final class DaemonProcess: Sendable {
    let name: String
    let logPath: String
    private let process: Process

    /// The binary the test build put next to the test bundle.
    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("pvcnoded")
    }

    /// `environment` is added to the test's own.
    /// `arguments` replaces the default `--config <configPath>`.
    init(name: String, configPath: String, directory: URL, environment: [String: String] = [:],
         arguments: [String]? = nil) throws {
        self.name = name
        logPath = directory.appendingPathComponent("\(name).log").path
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments ?? ["--config", configPath]
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        self.process = process
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    var log: String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    func signal(_ signal: Int32) {
        if process.isRunning { kill(pid, signal) }
    }

    /// The exit status, or nil if it did not exit within `timeout`.
    func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return process.terminationStatus
    }
}

/// Every daemon a test starts, killed by PID however the test ends.
final class DaemonFleet: Sendable {
    private let started = Mutex<[DaemonProcess]>([])
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("pvcnoded-test-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// `arguments` gets the config file's path and returns the command line (default `--config PATH`).
    func start(name: String, config: String, environment: [String: String] = [:],
               arguments: ((String) -> [String])? = nil) throws -> DaemonProcess {
        let path = directory.appendingPathComponent("\(name).yaml").path
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(name: name, configPath: path, directory: directory, environment: environment,
                                       arguments: arguments?(path))
        started.withLock { $0.append(daemon) }
        return daemon
    }

    func killAll() async {
        for daemon in started.withLock({ $0 }) {
            daemon.signal(SIGKILL)
            _ = await daemon.waitForExit(timeout: .seconds(5))
        }
        try? FileManager.default.removeItem(at: directory)
    }
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
