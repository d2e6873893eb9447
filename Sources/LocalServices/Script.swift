import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What one run of a script printed.
struct ScriptOutput: Sendable {
    let stdout: String
    let stderr: String
}

/// Finds and runs the project's scripts in `scripts/`.
///
/// Output goes to temporary files rather than pipes: the script leaves long-lived servers
/// behind, and a pipe inherited by any of them would keep a reader waiting for EOF forever.
enum Script {
    /// Whole-command bound for commands that wait for a server (the script's own readiness
    /// bound is 60 s, so this only fires if the script itself hangs).
    static let defaultTimeout: Double = 90

    /// `PVC_SCRIPTS_DIR` lets an installed benchmark or a relocated checkout point at the
    /// scripts; otherwise they sit next to the sources (`#filePath` is
    /// `<root>/Sources/LocalServices/Script.swift`).
    static func path(of name: String) throws -> String {
        var searched: [String] = []
        if let dir = ProcessInfo.processInfo.environment["PVC_SCRIPTS_DIR"], !dir.isEmpty {
            searched.append(dir)
        }
        let sourceRelative = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // LocalServices
            .deletingLastPathComponent()  // Sources
            .deletingLastPathComponent()  // package root
            .appendingPathComponent("scripts")
            .path
        searched.append(sourceRelative)
        for dir in searched {
            let candidate = (dir as NSString).appendingPathComponent(name)
            if FileManager.default.isReadableFile(atPath: candidate) {
                return candidate
            }
        }
        throw LocalServiceError.scriptNotFound(name: name, searched: searched)
    }

    /// The shell that runs the scripts; invoked explicitly so a missing executable bit on a
    /// fresh checkout does not matter.
    static var bash: String {
        for candidate in ["/bin/bash", "/usr/bin/bash", "/usr/local/bin/bash"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        return "/bin/bash"
    }

    static func run(
        _ name: String, _ arguments: [String], timeout: Double = defaultTimeout
    ) async throws -> ScriptOutput {
        let script = try path(of: name)
        return try await OwnThread.run {
            try runBlocking(script: script, name: name, arguments: arguments, timeout: timeout)
        }
    }

    /// Blocks the calling thread: only for `OwnThread` and for the exit handler.
    static func runBlocking(
        script: String, name: String, arguments: [String], timeout: Double
    ) throws -> ScriptOutput {
        let command = ([name] + arguments).joined(separator: " ")
        let scratch = FileManager.default.temporaryDirectory
        let token = UUID().uuidString
        let outURL = scratch.appendingPathComponent("pvc-script-\(token).out")
        let errURL = scratch.appendingPathComponent("pvc-script-\(token).err")
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        guard FileManager.default.createFile(atPath: outURL.path, contents: nil),
              FileManager.default.createFile(atPath: errURL.path, contents: nil)
        else {
            throw LocalServiceError.launchFailed(
                command: command, reason: "cannot create output files in \(scratch.path)")
        }
        let outHandle: FileHandle
        let errHandle: FileHandle
        do {
            outHandle = try FileHandle(forWritingTo: outURL)
            errHandle = try FileHandle(forWritingTo: errURL)
        } catch {
            throw LocalServiceError.launchFailed(command: command, reason: "\(error)")
        }
        defer {
            try? outHandle.close()
            try? errHandle.close()
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: bash)
        process.arguments = [script] + arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = outHandle
        process.standardError = errHandle
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        do {
            try withSignalsUnblocked { try process.run() }
        } catch {
            throw LocalServiceError.launchFailed(command: command, reason: "\(error)")
        }

        if finished.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            if finished.wait(timeout: .now() + 5) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                _ = finished.wait(timeout: .now() + 5)
            }
            throw LocalServiceError.timedOut(
                command: command, seconds: timeout, stderr: readText(errURL))
        }

        let output = ScriptOutput(stdout: readText(outURL), stderr: readText(errURL))
        switch process.terminationReason {
        case .exit where process.terminationStatus == 0:
            return output
        case .exit:
            throw LocalServiceError.commandFailed(
                command: command, status: process.terminationStatus, stderr: output.stderr)
        case .uncaughtSignal:
            throw LocalServiceError.commandFailed(
                command: command, status: 128 + process.terminationStatus,
                stderr: output.stderr + "\n(killed by signal \(process.terminationStatus))")
        @unknown default:
            throw LocalServiceError.commandFailed(
                command: command, status: process.terminationStatus, stderr: output.stderr)
        }
    }

    /// The child inherits the spawning thread's signal mask. Threads that come from Dispatch
    /// (and so the cooperative pool, and threads started from it) block nearly every signal,
    /// and a script started with SIGTERM blocked would pass that on to the servers it leaves
    /// running, which would then ignore `stop`. The mask is restored at once: this thread is
    /// ours, but the signals Dispatch expects to handle elsewhere should stay away from it.
    private static func withSignalsUnblocked<T>(_ body: () throws -> T) rethrows -> T {
        var none = sigset_t()
        var saved = sigset_t()
        sigemptyset(&none)
        let changed = pthread_sigmask(SIG_SETMASK, &none, &saved) == 0
        defer {
            if changed { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        }
        return try body()
    }

    private static func readText(_ url: URL) -> String {
        guard let data = try? Data(contentsOf: url) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }
}
