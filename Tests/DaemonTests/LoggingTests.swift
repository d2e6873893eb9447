import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `logging.*` with real daemons: the log file, its reopening on SIGHUP (logrotate's
/// `postrotate`), and no file at all when file logging is off.
@Suite(.timeLimit(.minutes(2))) struct LoggingTests {
    private func config(_ cluster: TestCluster, node: String, logDirectory: String, fileLogging: Bool) -> String {
        cluster.config(node: node) + """
            path:
              system_log_directory: "\(logDirectory)"
            logging:
              file_logging: \(fileLogging)
              log_dates: true

            """
    }

    private func contents(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    /// Polls until the file at `path` contains `text`; true if it did within `timeout`.
    private func waitFor(_ text: String, in path: String, timeout: Duration = .seconds(10)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if contents(path).contains(text) { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// The file receives the node's lines (directory created on the way); after logrotate's `mv`
    /// and SIGHUP, new lines go to a new file at the configured path, the daemon runs on, and
    /// SIGTERM still ends it with 0.
    @Test func fileLoggingAndReopenOnHangup() async throws {
        let cluster = try await TestCluster.make()
        try await withFleet { fleet in
            let directory = fleet.directory.appendingPathComponent("var-log-pvc/hv1").path
            let path = directory + "/pvcnoded.log"
            let daemon = try fleet.start(
                name: "hv1", config: config(cluster, node: "hv1", logDirectory: directory, fileLogging: true))
            #expect(await cluster.waitFor("/nodes/hv1/daemonstate", toBe: "run"), "log:\n\(daemon.log)")
            #expect(await waitFor("daemon state run", in: path), "file:\n\(contents(path))\nstderr:\n\(daemon.log)")
            let first = contents(path)
            #expect(first.contains("info pvcnoded: "), "file:\n\(first)")
            #expect(first.contains("node=hv1"))
            // log_dates: each line starts with the date.
            #expect(first.split(separator: "\n").allSatisfy { $0.first?.isNumber == true }, "file:\n\(first)")
            // stdout_logging stays on by default: stderr has the lines too.
            #expect(daemon.log.contains("daemon state run"))

            let rotated = path + ".1"
            try FileManager.default.moveItem(atPath: path, toPath: rotated)
            daemon.signal(SIGHUP)
            #expect(await waitFor("log file reopened", in: path), "stderr:\n\(daemon.log)")
            #expect(await daemon.waitForExit(timeout: .milliseconds(500)) == nil, "SIGHUP ended the daemon")
            let keepalive = await cluster.value("/nodes/hv1/keepalive")
            #expect(await waitForChange(cluster, "/nodes/hv1/keepalive", from: keepalive),
                    "no keepalive after SIGHUP; stderr:\n\(daemon.log)")

            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: .seconds(60)) == 0, "stderr:\n\(daemon.log)")
            #expect(contents(path).contains("stopped"), "new file:\n\(contents(path))")
            let old = contents(rotated)
            #expect(old.contains("daemon state run"))
            #expect(!old.contains("log file reopened") && !old.contains("stopped"), "rotated file:\n\(old)")
        }
        await cluster.close()
    }

    /// With file logging off no file (nor directory) is created, and SIGHUP does not end the daemon.
    @Test func noFileWhenFileLoggingIsOff() async throws {
        let cluster = try await TestCluster.make()
        try await withFleet { fleet in
            let directory = fleet.directory.appendingPathComponent("logs-off").path
            let daemon = try fleet.start(
                name: "hv2", config: config(cluster, node: "hv2", logDirectory: directory, fileLogging: false))
            #expect(await cluster.waitFor("/nodes/hv2/daemonstate", toBe: "run"), "log:\n\(daemon.log)")
            daemon.signal(SIGHUP)
            #expect(await waitFor("no log file to reopen", in: daemon.logPath), "stderr:\n\(daemon.log)")
            #expect(await daemon.waitForExit(timeout: .milliseconds(500)) == nil, "SIGHUP ended the daemon")
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: .seconds(60)) == 0, "stderr:\n\(daemon.log)")
            #expect(!FileManager.default.fileExists(atPath: directory))
        }
        await cluster.close()
    }

    /// A log file that cannot be opened is one clear line on stderr; the daemon runs on with stderr.
    @Test func unopenableFileFallsBackToStandardError() async throws {
        let cluster = try await TestCluster.make()
        try await withFleet { fleet in
            // A regular file where the directory should be.
            let blocker = fleet.directory.appendingPathComponent("not-a-directory").path
            _ = FileManager.default.createFile(atPath: blocker, contents: Data())
            let daemon = try fleet.start(
                name: "hv3", config: config(cluster, node: "hv3", logDirectory: blocker + "/pvc", fileLogging: true))
            #expect(await cluster.waitFor("/nodes/hv3/daemonstate", toBe: "run"), "log:\n\(daemon.log)")
            let lines = daemon.log.split(separator: "\n").filter { $0.contains("file logging disabled") }
            #expect(lines.count == 1, "stderr:\n\(daemon.log)")
            #expect(daemon.log.contains("daemon state run"))
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: .seconds(60)) == 0, "stderr:\n\(daemon.log)")
        }
        await cluster.close()
    }

    /// `zookeeper_logging`: the node's lines reach `/logs/<node>/messages` (PVC's `pvc node log`),
    /// cut to `node_log_lines`, including the last ones before `stop`; `log_keepalives` adds a
    /// line per keepalive; `log_colours` colours the level words on stderr.
    @Test func zookeeperLoggingKeepaliveLinesAndColours() async throws {
        let cluster = try await TestCluster.make()
        try await withFleet { fleet in
            let config = cluster.config(node: "hv4") + """
                logging:
                  zookeeper_logging: true
                  node_log_lines: 6
                  log_keepalives: true
                  log_colours: true

                """
            let daemon = try fleet.start(name: "hv4", config: config)
            #expect(await cluster.waitFor("/nodes/hv4/daemonstate", toBe: "run"), "log:\n\(daemon.log)")
            let messages = "/logs/hv4/messages"
            var published = ""
            let deadline = ContinuousClock.now + .seconds(15)
            while ContinuousClock.now < deadline {
                published = await cluster.value(messages) ?? ""
                if published.split(separator: "\n").filter({ $0.contains("keepalive") }).count >= 2 { break }
                try? await Task.sleep(for: .milliseconds(200))
            }
            let lines = published.split(separator: "\n")
            #expect(lines.filter { $0.contains("keepalive") }.count >= 2, "\(messages):\n\(published)")
            #expect(lines.count <= 6, "\(messages):\n\(published)")
            #expect(lines.allSatisfy { $0.contains(" pvcnoded     ") }, "\(messages):\n\(published)")
            #expect(daemon.log.contains("keepalive") && daemon.log.contains("load="), "stderr:\n\(daemon.log)")
            #expect(daemon.log.contains("\u{1B}[32mnotice\u{1B}[0m"), "stderr:\n\(daemon.log)")

            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: .seconds(60)) == 0, "stderr:\n\(daemon.log)")
            let last = await cluster.value(messages) ?? ""
            #expect(last.contains("shutting down"), "\(messages):\n\(last)")
        }
        await cluster.close()
    }

    private func waitForChange(_ cluster: TestCluster, _ path: String, from old: String?,
                               timeout: Duration = .seconds(6)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let now = await cluster.value(path), now != old { return true }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return false
    }
}
