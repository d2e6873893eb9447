import Dispatch
import Foundation
import Glibc
import Synchronization

/// One process pvc-bench started (a `pvcnoded`, a `pvcctl`), with its output in a file: a pipe
/// nobody drains could fill up and stall it.
final class ChildProcess: Sendable {
    let name: String
    let logPath: String
    let pid: Int32
    /// Just before the fork: what start-to-`run` is measured from.
    let started: ContinuousClock.Instant
    private let process: Process

    init(name: String, executable: String, arguments: [String], logPath: String) throws {
        self.name = name
        self.logPath = logPath
        guard FileManager.default.createFile(atPath: logPath, contents: nil) else {
            throw BenchError("cannot create \(logPath)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        started = ContinuousClock.now
        do {
            try process.run()
        } catch {
            try? log.close()
            throw BenchError("cannot start \(executable): \(error)")
        }
        try? log.close()
        self.process = process
        pid = process.processIdentifier
        ChildRegistry.shared.add(pid)
    }

    var isRunning: Bool { process.isRunning }

    /// The last lines of its output, for an error message.
    func logTail(lines: Int = 15) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// The exit status, or nil if it did not exit within `timeout`.
    func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
        ChildRegistry.shared.remove(pid)
        return process.terminationStatus
    }

    /// SIGTERM, then SIGKILL if it is still running after `grace`; returns the exit status
    /// (nil if even SIGKILL did not end it within 5 s).
    func stop(grace: Duration = .seconds(15)) async -> Int32? {
        if process.isRunning { kill(pid, SIGTERM) }
        if let status = await waitForExit(timeout: grace) { return status }
        Progress.log("\(name) (pid \(pid)) ignored SIGTERM for \(grace); killing it")
        if process.isRunning { kill(pid, SIGKILL) }
        return await waitForExit(timeout: .seconds(5))
    }
}

/// The PIDs of the children still running, so that SIGINT or SIGTERM to pvc-bench stops them
/// too (ZooKeeper's own watcher stops the server once pvc-bench has exited).
final class ChildRegistry: Sendable {
    static let shared = ChildRegistry()
    private let pids = Mutex<Set<Int32>>([])
    private let sources = Mutex<[any DispatchSourceSignal]>([])
    /// Temporary directories to remove when a signal ends the run.
    private let directories = Mutex<Set<String>>([])

    func add(_ pid: Int32) { pids.withLock { _ = $0.insert(pid) } }
    func remove(_ pid: Int32) { pids.withLock { _ = $0.remove(pid) } }
    func addDirectory(_ path: String) { directories.withLock { _ = $0.insert(path) } }
    func removeDirectory(_ path: String) { directories.withLock { _ = $0.remove(path) } }

    /// Installs the SIGINT and SIGTERM handlers (once).
    func installSignalHandlers() {
        sources.withLock { sources in
            guard sources.isEmpty else { return }
            for signalNumber in [SIGINT, SIGTERM] {
                signal(signalNumber, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
                source.setEventHandler {
                    ChildRegistry.shared.terminateAllAndExit(signalNumber)
                }
                source.resume()
                sources.append(source)
            }
        }
    }

    /// Blocking: SIGTERM to every child, up to 15 s for them to exit, SIGKILL to the rest.
    private func terminateAllAndExit(_ signalNumber: Int32) {
        let running = pids.withLock { $0 }
        Progress.log("signal \(signalNumber): stopping \(running.count) started process(es) by PID")
        for pid in running { kill(pid, SIGTERM) }
        let deadline = ContinuousClock.now + .seconds(15)
        var left = running
        while !left.isEmpty, ContinuousClock.now < deadline {
            left = left.filter { waitpid($0, nil, WNOHANG) == 0 }
            if !left.isEmpty { usleep(20_000) }
        }
        for pid in left { kill(pid, SIGKILL) }
        for path in directories.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: path) }
        exit(128 + signalNumber)
    }
}
