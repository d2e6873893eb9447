import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a command-line tool (`rbd`, `ceph`, `virsh`) to completion with a bound; output through temporary files,
/// as in `Script`, so nothing it leaves behind can hold a pipe open.
public enum ToolCommand {
    public static func run(_ executable: String, _ arguments: [String], timeout: Double) async throws -> String {
        try await OwnThread.run {
            let command = ([executable] + arguments).joined(separator: " ")
            let scratch = FileManager.default.temporaryDirectory
            let token = UUID().uuidString
            let outURL = scratch.appendingPathComponent("pvc-ceph-\(token).out")
            let errURL = scratch.appendingPathComponent("pvc-ceph-\(token).err")
            defer {
                try? FileManager.default.removeItem(at: outURL)
                try? FileManager.default.removeItem(at: errURL)
            }
            guard FileManager.default.createFile(atPath: outURL.path, contents: nil),
                  FileManager.default.createFile(atPath: errURL.path, contents: nil),
                  let outHandle = try? FileHandle(forWritingTo: outURL),
                  let errHandle = try? FileHandle(forWritingTo: errURL)
            else {
                throw LocalServiceError.launchFailed(command: command, reason: "cannot create output files")
            }
            defer {
                try? outHandle.close()
                try? errHandle.close()
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = outHandle
            process.standardError = errHandle
            let finished = DispatchSemaphore(value: 0)
            process.terminationHandler = { _ in finished.signal() }
            do { try process.run() } catch {
                throw LocalServiceError.launchFailed(command: command, reason: "\(error)")
            }
            if finished.wait(timeout: .now() + timeout) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                _ = finished.wait(timeout: .now() + 5)
                throw LocalServiceError.timedOut(command: command, seconds: timeout, stderr: read(errURL))
            }
            let out = read(outURL)
            guard process.terminationReason == .exit, process.terminationStatus == 0 else {
                throw LocalServiceError.commandFailed(
                    command: command, status: process.terminationStatus, stderr: read(errURL))
            }
            return out
        }
    }

    static func read(_ url: URL) -> String {
        guard let data = try? Data(contentsOf: url) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A command left running (a live `rbd bench` writer); stop it by PID with `terminate`.
public final class BackgroundCommand: @unchecked Sendable {
    // Process is only touched through its own thread-safe accessors after `run`.
    private let process = Process()
    private let finished = DispatchSemaphore(value: 0)
    /// Where its stdout and stderr go.
    public let logFile: String

    init(executable: String, arguments: [String]) throws {
        logFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("pvc-ceph-bg-\(UUID().uuidString).log").path
        guard FileManager.default.createFile(atPath: logFile, contents: nil),
              let handle = FileHandle(forWritingAtPath: logFile)
        else {
            throw LocalServiceError.launchFailed(command: executable, reason: "cannot create \(logFile)")
        }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = handle
        let semaphore = finished
        process.terminationHandler = { _ in semaphore.signal() }
        do { try process.run() } catch {
            throw LocalServiceError.launchFailed(command: executable, reason: "\(error)")
        }
        try? handle.close()
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }
    /// The exit status once it ended (128 + signal when killed), nil while it runs.
    public var exitStatus: Int32? {
        guard !process.isRunning else { return nil }
        return process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
    }

    public var output: String { ToolCommand.read(URL(fileURLWithPath: logFile)) }

    /// Waits up to `seconds` for it to exit; true when it did.
    public func waitForExit(seconds: Double) async -> Bool {
        let semaphore = finished
        let ended = (try? await OwnThread.run { semaphore.wait(timeout: .now() + seconds) == .success }) ?? false
        if ended { semaphore.signal() }
        return ended
    }

    /// SIGTERM, then SIGKILL after 5 s; removes the log.
    public func terminate() async {
        if process.isRunning {
            kill(pid, SIGTERM)
            if await !waitForExit(seconds: 5) {
                kill(pid, SIGKILL)
                _ = await waitForExit(seconds: 5)
            }
        }
        try? FileManager.default.removeItem(atPath: logFile)
    }
}
