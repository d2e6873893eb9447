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
        let command = ["sh", "-c", "sleep 600 & echo $! > \(pidFile); echo $$ >> \(pidFile); wait"]
        let started = ContinuousClock.now
        await #expect(throws: CommandError.timedOut(command: command, after: .milliseconds(500))) {
            try await runner.run(command, timeout: .milliseconds(500))
        }
        // Far below the 600 s the command would run: it was cut, whatever the machine's load.
        #expect(ContinuousClock.now - started < .seconds(300))
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
        let output = try await runner.run(["sh", "-c", "sleep 600 >/dev/null 2>&1 & echo $!; echo done"])
        let lines = output.stdout.split(whereSeparator: \.isNewline)
        if let pid = lines.first.flatMap({ pid_t($0) }) { kill(pid, SIGKILL) }
        // This one keeps no pipe; one that does must not hold us either:
        let holder = try await runner.run(["sh", "-c", "sleep 600 & echo $!"])
        if let pid = pid_t(holder.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) { kill(pid, SIGKILL) }
        #expect(lines.last == "done")
        // Far below the grandchildren's 600 s: neither was waited for.
        #expect(ContinuousClock.now - started < .seconds(300))
    }

    @Test func prefixIsPrepended() async throws {
        let output = try await CommandRunner(prefix: ["env", "PVC_TEST=1"]).run(["sh", "-c", "echo $PVC_TEST"])
        #expect(output.stdout == "1\n")
        #expect(output.command.prefix(2) == ["env", "PVC_TEST=1"])
    }

    /// Six commands that each wait for a file the test creates only once all six have started:
    /// if waiting for a child blocked a thread of the two-thread cooperative pool, at most two
    /// could start and the release would never come.
    @Test func manyConcurrentCommandsDoNotStarveThePool() async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("pvc-runner-pool-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let release = directory + "/release"
        let script = "touch \(directory)/started-$$; i=0; while [ ! -e \(release) ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done; [ -e \(release) ]"
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<6 {
                group.addTask { _ = try await runner.run(["sh", "-c", script], timeout: .seconds(90)) }
            }
            let deadline = ContinuousClock.now + .seconds(60)
            var started = 0
            while ContinuousClock.now < deadline {
                started = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
                    .filter { $0.hasPrefix("started-") }.count
                if started == 6 { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(started == 6, "only \(started) of 6 commands started")
            _ = FileManager.default.createFile(atPath: release, contents: nil)
            try await group.waitForAll()
        }
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
