import Foundation
import Testing
@testable import HostNetwork

@Suite("CommandRunner")
struct CommandRunnerTests {
    let runner = CommandRunner()

    @Test func capturesOutputAndStatus() async throws {
        let output = try await runner.output(["sh", "-c", "echo out; echo err >&2; exit 3"])
        #expect(output.status == 3)
        #expect(output.stdout == "out\n")
        #expect(output.stderr == "err\n")
        #expect(output.command == ["sh", "-c", "echo out; echo err >&2; exit 3"])
    }

    @Test func failingCommandCarriesItsStderr() async throws {
        let command = ["sh", "-c", "echo 'RTNETLINK answers: Operation not permitted' >&2; exit 2"]
        let error = await #expect(throws: CommandError.self) { try await runner.run(command) }
        guard case let .failed(failed, status, stderr)? = error else {
            Issue.record("expected .failed, got \(String(describing: error))")
            return
        }
        #expect(failed == command)
        #expect(status == 2)
        #expect(stderr.contains("Operation not permitted"))
        #expect(error?.description.contains("Operation not permitted") == true)
    }

    @Test func longStderrKeepsItsTail() async throws {
        let output = try await runner.output(["sh", "-c", "yes x | head -c 100000 >&2; echo the-end >&2; exit 1"])
        #expect(output.stderr.utf8.count == CommandRunner.stderrLimit)
        #expect(output.stderr.hasSuffix("the-end\n"))
    }

    @Test func missingBinaryIsNotFound() async throws {
        await #expect(throws: CommandError.notFound(command: ["pvc-no-such-binary", "-x"])) {
            try await runner.run(["pvc-no-such-binary", "-x"])
        }
        await #expect(throws: CommandError.notFound(command: ["/nonexistent/bin/ip"])) {
            try await runner.run(["/nonexistent/bin/ip"])
        }
        #expect(CommandError.notFound(command: ["arping"]).description.contains("not found"))
    }

    @Test func findsSbinToolsWithoutPATH() {
        #expect(ChildProcess.resolve("ip", fallbackDirectories: ["/usr/sbin", "/sbin"]) != nil)
    }

    @Test func timeoutKillsTheCommandAndWhatItStarted() async throws {
        let pidFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("pvc-runner-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).pid").path
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        let command = ["sh", "-c", "sleep 30 & echo $! > \(pidFile); echo $$ >> \(pidFile); wait"]
        let started = ContinuousClock.now
        await #expect(throws: CommandError.timedOut(command: command, after: .milliseconds(500))) {
            try await runner.run(command, timeout: .milliseconds(500))
        }
        #expect(ContinuousClock.now - started < .seconds(3))
        let pids = try String(contentsOfFile: pidFile, encoding: .utf8)
            .split(whereSeparator: \.isNewline).compactMap { pid_t($0) }
        #expect(pids.count == 2)
        for pid in pids {
            // Reaped, or a zombie waiting for PID 1 (which reaps orphans lazily here): not running.
            #expect(await becomesDead(pid), "pid \(pid) still running after the timeout")
        }
    }

    @Test func doesNotWaitForABackgroundedGrandchild() async throws {
        let started = ContinuousClock.now
        let output = try await runner.run(["sh", "-c", "sleep 20 >/dev/null 2>&1 & echo $!; echo done"])
        let lines = output.stdout.split(whereSeparator: \.isNewline)
        if let pid = lines.first.flatMap({ pid_t($0) }) { kill(pid, SIGKILL) }
        // This one keeps no pipe; one that does must not hold us either:
        let holder = try await runner.run(["sh", "-c", "sleep 20 & echo $!"])
        if let pid = pid_t(holder.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) { kill(pid, SIGKILL) }
        #expect(lines.last == "done")
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func prefixIsPrepended() async throws {
        let output = try await CommandRunner(prefix: ["env", "PVC_TEST=1"]).run(["sh", "-c", "echo $PVC_TEST"])
        #expect(output.stdout == "1\n")
        #expect(output.command.prefix(2) == ["env", "PVC_TEST=1"])
    }

    @Test func manyConcurrentCommandsDoNotStarveThePool() async throws {
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<6 {
                group.addTask { try await runner.run(["sleep", "1"]) }
            }
            try await group.waitForAll()
        }
        // Six one-second waits on a two-thread pool would take three seconds if they blocked it.
        #expect(ContinuousClock.now - started < .seconds(2.5))
    }
}

/// Not running any more (gone, or a zombie), within two seconds.
func becomesDead(_ pid: pid_t) async -> Bool {
    for _ in 0..<100 {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return true }
        if status.split(whereSeparator: \.isNewline).contains(where: {
            $0.hasPrefix("State:") && ($0.contains("Z") || $0.contains("X"))
        }) { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return false
}
