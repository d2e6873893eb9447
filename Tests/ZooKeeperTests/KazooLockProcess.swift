import Coordination
import Foundation
import Synchronization
import Testing

/// A lock taken by Python Kazoo's own recipe in a child process (scripts/kazoo-lock.py), driven
/// line by line: it reports "acquired NODE" or "timeout", and releases when told to.
final class KazooLockProcess: @unchecked Sendable {
    // Unchecked: Process and Pipe are used from the test's task only; the line buffer is Sendable.
    private let process: Process
    private let input: Pipe
    private let lines = LineBuffer()

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
        let lines = lines
        output.fileHandleForReading.readabilityHandler = { handle in
            let chunk = handle.availableData
            if chunk.isEmpty {
                handle.readabilityHandler = nil
                lines.finish()
            } else {
                lines.receive(chunk)
            }
        }
        try process.run()
    }

    /// The next line the script printed, or nil if none came within `timeout` or it exited.
    ///
    /// A line that comes after the timeout is not lost: the next call returns it.
    func nextLine(timeout: Duration) async -> String? {
        await lines.next(timeout: timeout)
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

/// The script's output, split into lines and kept until taken, whoever waits or gives up waiting.
///
/// Each wait follows a notification stream of its own, so that a wait that times out (and is
/// cancelled) ends only that stream, never the output itself.
private final class LineBuffer: Sendable {
    private struct State {
        var partial = ""
        var lines: [String] = []
        var finished = false
        var listeners: [UInt64: AsyncStream<Void>.Continuation] = [:]
        var nextListener: UInt64 = 0
    }

    private let state = Mutex(State())

    /// Adds a chunk of output; every complete line in it becomes available.
    func receive(_ chunk: Data) {
        let listeners = state.withLock { state in
            state.partial += String(decoding: chunk, as: UTF8.self)
            var parts = state.partial.components(separatedBy: "\n")
            state.partial = parts.removeLast()
            state.lines += parts
            return Array(state.listeners.values)
        }
        for listener in listeners { listener.yield() }
    }

    /// The output ended; an unterminated last line still counts as a line.
    func finish() {
        let listeners = state.withLock { state in
            if !state.partial.isEmpty {
                state.lines.append(state.partial)
                state.partial = ""
            }
            state.finished = true
            return Array(state.listeners.values)
        }
        for listener in listeners { listener.yield() }
    }

    /// The oldest line not yet taken; waits for one at most `timeout`. Nil when none came in time
    /// or the output ended without one.
    func next(timeout: Duration) async -> String? {
        let (changes, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state -> UInt64 in
            state.nextListener += 1
            state.listeners[state.nextListener] = continuation
            return state.nextListener
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.listeners.removeValue(forKey: id) }
        }
        // Registered first, then looked at once: output that came before the call is not missed.
        continuation.yield()
        // The wait only looks; the line is taken afterwards, so a line that arrives as the time
        // runs out is returned rather than dropped with the cancelled waiter.
        _ = await withDeadline(timeout) {
            for await _ in changes where self.hasLineOrEnded {
                return
            }
        }
        continuation.finish()
        return take()
    }

    private var hasLineOrEnded: Bool {
        state.withLock { !$0.lines.isEmpty || $0.finished }
    }

    private func take() -> String? {
        state.withLock { $0.lines.isEmpty ? nil : $0.lines.removeFirst() }
    }
}

/// The buffer on its own: no process, no server.
@Suite(.timeLimit(.minutes(1))) struct LineBufferTests {
    @Test func aWaitThatTimesOutLosesNothingThatComesLater() async {
        let buffer = LineBuffer()
        #expect(await buffer.next(timeout: .milliseconds(20)) == nil)
        buffer.receive(Data("acquired x\nrel".utf8))
        #expect(await buffer.next(timeout: .seconds(10)) == "acquired x")
        #expect(await buffer.next(timeout: .milliseconds(20)) == nil)
        buffer.receive(Data("eased\n".utf8))
        #expect(await buffer.next(timeout: .seconds(10)) == "released")
    }

    @Test func aWaiterIsWokenByALineThatComesWhileItWaits() async {
        let buffer = LineBuffer()
        let waiting = Task { await buffer.next(timeout: .seconds(30)) }
        buffer.receive(Data("timeout\n".utf8))
        #expect(await waiting.value == "timeout")
    }

    @Test func theEndOfTheOutputEndsTheWaitAndKeepsAnUnterminatedLine() async {
        let buffer = LineBuffer()
        buffer.receive(Data("last".utf8))
        buffer.finish()
        #expect(await buffer.next(timeout: .seconds(30)) == "last")
        #expect(await buffer.next(timeout: .seconds(30)) == nil)
    }
}
