import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One `pvcnoded` process started by a test, with its stderr in a file (a pipe nobody drains
/// could fill up and stall the daemon); a restarted node's log follows its earlier runs'.
public final class DaemonProcess: Sendable {
    public let name: String
    public let logPath: String
    private let process: Process

    /// The binary the test build put next to the test bundle.
    public static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("pvcnoded")
    }

    /// `environment` is added to the test's own; `arguments` replaces the default
    /// `--config <configPath>`; `prefix` runs the daemon through another command, e.g.
    /// `ip netns exec NS` (which execs it in place, so the PID and signals are the daemon's).
    public init(name: String, configPath: String, logPath: String, environment: [String: String] = [:],
                arguments: [String]? = nil, prefix: [String] = []) throws {
        self.name = name
        self.logPath = logPath
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        let process = Process()
        let daemonArguments = arguments ?? ["--config", configPath]
        if let command = prefix.first {
            process.executableURL = URL(fileURLWithPath: Self.resolve(command))
            process.arguments = Array(prefix.dropFirst()) + [Self.binary.path] + daemonArguments
        } else {
            process.executableURL = Self.binary
            process.arguments = daemonArguments
        }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardOutput = FileHandle.nullDevice
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        handle.seekToEndOfFile()
        process.standardError = handle
        self.process = process
        try process.run()
    }

    /// A command name as the shell would find it, sbin directories included.
    private static func resolve(_ command: String) -> String {
        guard !command.contains("/") else { return command }
        for directory in ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        where FileManager.default.isExecutableFile(atPath: directory + "/" + command) {
            return directory + "/" + command
        }
        return command
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    public var log: String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    /// The last `lines` lines of the log, for failure messages that stay readable.
    public func logTail(_ lines: Int = 40) -> String {
        log.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    public func signal(_ signal: Int32) {
        if process.isRunning { kill(pid, signal) }
    }

    /// The exit status, or nil if it did not exit within `timeout`. Process has no async wait for
    /// its end, so this polls the child's state (not a cluster condition).
    public func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }
}
