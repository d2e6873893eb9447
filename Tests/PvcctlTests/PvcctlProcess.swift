import Foundation

/// One run of the built `pvcctl` binary: exit status, output, and how long it took.
struct CtlRun: Sendable {
    let status: Int32
    let stdout: String
    let stderr: String
    let elapsed: Duration

    var stderrLines: [Substring] { stderr.split(separator: "\n") }
}

enum Pvcctl {
    /// The binary SwiftPM built next to the test bundle.
    static var binary: URL {
        let arguments = CommandLine.arguments
        let first = arguments.first ?? ""
        var directory = URL(fileURLWithPath: first).deletingLastPathComponent()
        // The test bundle may be a directory inside the build directory (xctest bundles).
        while !FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("pvcctl").path),
              directory.pathComponents.count > 1, directory.lastPathComponent.hasSuffix(".xctest") {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("pvcctl")
    }

    /// Runs pvcctl with `arguments`; a run still going after `limit` is terminated (and shows as
    /// a signal exit).
    static func run(_ arguments: [String], environment: [String: String] = [:],
                    limit: TimeInterval = 60) async throws -> CtlRun {
        let binary = binary
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw MissingBinary(path: binary.path)
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        // Whatever the machine's shell sets must not choose the tests' cluster or node.
        env.removeValue(forKey: "PVC_ZK")
        env.removeValue(forKey: "PVC_CONFIG_FILE")
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let started = ContinuousClock.now
        try process.run()
        let box = ProcessBox(process)
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let group = DispatchGroup()
                let collected = Collected()
                DispatchQueue.global().async(group: group) {
                    collected.stdout = out.fileHandleForReading.readDataToEndOfFile()
                }
                DispatchQueue.global().async(group: group) {
                    collected.stderr = err.fileHandleForReading.readDataToEndOfFile()
                }
                if group.wait(timeout: .now() + limit) == .timedOut {
                    box.process.terminate()
                    group.wait()
                }
                box.process.waitUntilExit()
                continuation.resume(returning: CtlRun(
                    status: box.process.terminationStatus,
                    stdout: String(decoding: collected.stdout, as: UTF8.self),
                    stderr: String(decoding: collected.stderr, as: UTF8.self),
                    elapsed: ContinuousClock.now - started))
            }
        }
    }
}

struct MissingBinary: Error, CustomStringConvertible {
    let path: String
    var description: String { "no pvcctl at \(path): build it first (swift build --product pvcctl)" }
}

/// Unchecked: each field is written by one reader thread and read after the group's wait.
private final class Collected: @unchecked Sendable {
    var stdout = Data()
    var stderr = Data()
}

/// Unchecked: the process is only waited for and terminated, from one thread at a time.
private final class ProcessBox: @unchecked Sendable {
    let process: Process
    init(_ process: Process) { self.process = process }
}
