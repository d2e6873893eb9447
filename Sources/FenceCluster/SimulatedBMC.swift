import Foundation
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// One simulated BMC run by `scripts/ipmi.sh` (ipmi_sim on a loopback UDP port; its power is the
/// process in DIR/node.pid). Started with `--watch` on this process, so a crashed test still
/// has it stopped and its directory removed.
struct SimulatedBMC: Sendable {
    let name: String
    let directory: String
    /// 127.0.0.1:P, as ipmi.sh printed it.
    let address: String

    static func start(name: String, stuckOn: Bool, user: String, password: String) async throws -> SimulatedBMC {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("pvc-bmc-\(name)-\(UUID().uuidString.prefix(8))").path
        var arguments = ["start", directory, name, "--user", user, "--watch", String(getpid()), "--watch-remove"]
        if stuckOn { arguments.append("--stuck-on") }
        let output = try await ScriptRunner.run("ipmi.sh", arguments, environment: ["IPMI_PASSWORD": password],
                                                timeout: 60)
        let address = output.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
        guard address.hasPrefix("127.0.0.1:") else {
            _ = try? await ScriptRunner.run("ipmi.sh", ["stop", directory], timeout: 30)
            try? FileManager.default.removeItem(atPath: directory)
            throw FleetError(description: "ipmi.sh start \(name) printed '\(output)'")
        }
        return SimulatedBMC(name: name, directory: directory, address: address)
    }

    /// Powers the node off (guests and daemon; stuck-on does not apply), stops ipmi_sim and the
    /// watcher, removes the directory.
    func stop() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try await ScriptRunner.run("ipmi.sh", ["stop", directory, "--kill-node"], timeout: 30)
    }
}

/// Runs one of the project's scripts with its output in files (servers it leaves behind must not
/// hold a pipe of ours) and with no signal blocked (the cooperative pool's threads block most,
/// and a server started with SIGTERM blocked would ignore its `stop`).
enum ScriptRunner {
    static func run(_ name: String, _ arguments: [String], environment: [String: String] = [:],
                    timeout: Double) async throws -> String {
        let script = try FenceCluster.scriptPath(name)
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                do {
                    continuation.resume(returning: try runBlocking(script: script, name: name, arguments: arguments,
                                                                   environment: environment, timeout: timeout))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.start()
        }
    }

    private static func runBlocking(script: String, name: String, arguments: [String],
                                    environment: [String: String], timeout: Double) throws -> String {
        let command = ([name] + arguments).joined(separator: " ")
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("pvc-fence-script-\(UUID().uuidString)")
        let outURL = base.appendingPathExtension("out")
        let errURL = base.appendingPathExtension("err")
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        guard FileManager.default.createFile(atPath: outURL.path, contents: nil),
              FileManager.default.createFile(atPath: errURL.path, contents: nil)
        else { throw FleetError(description: "\(command): cannot create output files") }
        let outHandle = try FileHandle(forWritingTo: outURL)
        let errHandle = try FileHandle(forWritingTo: errURL)
        defer {
            try? outHandle.close()
            try? errHandle.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script] + arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = outHandle
        process.standardError = errHandle
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        var none = sigset_t()
        var saved = sigset_t()
        sigemptyset(&none)
        let changed = pthread_sigmask(SIG_SETMASK, &none, &saved) == 0
        defer { if changed { pthread_sigmask(SIG_SETMASK, &saved, nil) } }
        try process.run()
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            _ = finished.wait(timeout: .now() + 5)
            throw FleetError(description: "\(command) timed out after \(timeout) s")
        }
        let stdout = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let stderr = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
            throw FleetError(description: "\(command) failed (\(process.terminationStatus)): \(stderr)")
        }
        return stdout
    }
}
