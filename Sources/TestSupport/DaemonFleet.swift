import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Every daemon a test starts, under node names that can be stopped and started again, all
/// killed by PID however the test ends (see `withFleet`).
public final class DaemonFleet: Sendable {
    private struct Member {
        var configPath: String
        var environment: [String: String]
        var prefix: [String]
        var arguments: [String]?
    }

    private struct Members {
        var every: [DaemonProcess] = []
        var current: [String: DaemonProcess] = [:]
        var launches: [String: Member] = [:]
    }

    private let members = Mutex(Members())
    public let directory: URL

    public init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("pvcnoded-test-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Writes `config` to `<directory>/<name>.yaml` and starts the node with a fresh log.
    /// `arguments` gets the config file's path and returns the command line (default
    /// `--config PATH`).
    @discardableResult
    public func start(name: String, config: String, environment: [String: String] = [:], prefix: [String] = [],
                      arguments: ((String) -> [String])? = nil) throws -> DaemonProcess {
        let path = directory.appendingPathComponent("\(name).yaml").path
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        let member = Member(configPath: path, environment: environment, prefix: prefix, arguments: arguments?(path))
        members.withLock { $0.launches[name] = member }
        try? FileManager.default.removeItem(at: logURL(name))
        return try launch(name: name, member)
    }

    /// A new process for a node started before, the same way; its log follows the earlier runs'.
    @discardableResult
    public func restart(_ name: String) throws -> DaemonProcess {
        guard let member = members.withLock({ $0.launches[name] }) else {
            throw FleetError(description: "\(name) was never started")
        }
        return try launch(name: name, member)
    }

    private func launch(name: String, _ member: Member) throws -> DaemonProcess {
        let daemon = try DaemonProcess(name: name, configPath: member.configPath,
                                       logPath: logURL(name).path,
                                       environment: member.environment, arguments: member.arguments,
                                       prefix: member.prefix)
        members.withLock {
            $0.every.append(daemon)
            $0.current[name] = daemon
        }
        return daemon
    }

    private func logURL(_ name: String) -> URL {
        directory.appendingPathComponent("\(name).log")
    }

    public func daemon(_ name: String) -> DaemonProcess? {
        members.withLock { $0.current[name] }
    }

    /// The logs of every node, for a failure message.
    public func logTails(_ lines: Int = 30) -> String {
        members.withLock { Array($0.current.values) }.sorted { $0.name < $1.name }
            .map { "--- \($0.name) ---\n\($0.logTail(lines))" }.joined(separator: "\n")
    }

    public func killAll() async {
        for daemon in members.withLock({ $0.every }) {
            daemon.signal(SIGKILL)
            _ = await daemon.waitForExit(timeout: .seconds(5))
        }
        try? FileManager.default.removeItem(at: directory)
    }
}

public struct FleetError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}

/// Runs `body` with a fleet and kills every daemon in it however `body` ends (Swift has no async
/// defer).
public func withFleet<T>(_ body: (DaemonFleet) async throws -> T) async throws -> T {
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
