import Foundation
import Synchronization

/// A lock taken by Python Kazoo's own recipe in a child process (scripts/kazoo-lock.py), driven
/// line by line: it reports "acquired NODE" or "timeout", and releases when told to.
final class KazooLockProcess: @unchecked Sendable {
    // Unchecked: Process and Pipe are used from the test's task only; the line stream is Sendable.
    private let process: Process
    private let input: Pipe
    private let lines: AsyncStream<String>

    init(hosts: String, path: String, kind: String, timeout: Double) throws {
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/kazoo-lock.py")
        process = Process()
        // Debian's python3, which has python3-kazoo; a pyenv python3 earlier in PATH does not.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script.path, hosts, path, kind, String(timeout)]
        input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        let (lines, continuation) = AsyncStream<String>.makeStream()
        self.lines = lines
        let buffer = Mutex("")
        output.fileHandleForReading.readabilityHandler = { handle in
            let chunk = handle.availableData
            if chunk.isEmpty {
                handle.readabilityHandler = nil
                continuation.finish()
                return
            }
            let complete: [String] = buffer.withLock { pending in
                pending += String(decoding: chunk, as: UTF8.self)
                var parts = pending.components(separatedBy: "\n")
                pending = parts.removeLast()
                return parts
            }
            for line in complete { continuation.yield(line) }
        }
        try process.run()
    }

    /// The next line the script printed, or nil if none came within `timeout` or it exited.
    func nextLine(timeout: Duration) async -> String? {
        let lines = lines
        return await withTaskGroup(of: String?.self) { group in
            group.addTask {
                for await line in lines { return line }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// Tells the script to release its lock.
    func release() {
        input.fileHandleForWriting.write(Data("release\n".utf8))
    }

    /// Ends the script if it is still running (it is ours: we know its PID).
    func stop() {
        if process.isRunning { process.terminate() }
        try? input.fileHandleForWriting.close()
    }
}
