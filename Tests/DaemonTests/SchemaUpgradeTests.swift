import ClusterSchema
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A rolling upgrade from schema 14 to 15 across three live daemons (PVC §1.4): while one node runs
/// an "older build" (one that knows only 14) the cluster stays at 14; once that node comes back
/// with the newer build, its registration raises `/schema/version`, a coordinator migrates the
/// tree, and every daemon records active 15 and re-executes itself in place (same PID).
@Suite(.timeLimit(.minutes(3))) struct SchemaUpgradeTests {
    @Test func anUpgradeFrom14To15ReexecutesEveryDaemon() async throws {
        let cluster = try await TestCluster.make()
        let catalog = try SchemaCatalog.bundled()
        try await catalog.schema(14).apply(to: cluster.observer)
        #expect(await cluster.value("/schema/version") == "14")

        try await withFleet { fleet in
            // hv3 first, on the "older build", so the others find it when they register.
            var hv3 = try fleet.start(name: "hv3", config: cluster.config(node: "hv3"),
                                      environment: ["PVCNODED_LATEST_SCHEMA": "14"])
            #expect(await cluster.waitFor("/nodes/hv3/daemonstate", toBe: "run"), "hv3 log:\n\(hv3.log)")
            let hv1 = try fleet.start(name: "hv1", config: cluster.config(node: "hv1"))
            let hv2 = try fleet.start(name: "hv2", config: cluster.config(node: "hv2"))
            for daemon in [hv1, hv2] {
                #expect(await cluster.waitFor("/nodes/\(daemon.name)/daemonstate", toBe: "run"),
                        "\(daemon.name) log:\n\(daemon.log)")
            }
            for name in ["hv1", "hv2", "hv3"] {
                #expect(await cluster.value("/nodes/\(name)/activeschema") == "14", "\(name)")
            }
            #expect(await cluster.value("/nodes/hv1/latestschema") == "15")
            #expect(await cluster.value("/nodes/hv3/latestschema") == "14")
            // hv3's older build blocks the raise.
            #expect(await cluster.value("/schema/version") == "14")
            #expect(hv1.log.contains("node hv3 knows only 14"), "hv1 log:\n\(hv1.log)")

            // "Install the newer build" on hv3: stop it and start it without the limit.
            hv3.signal(SIGTERM)
            #expect(await hv3.waitForExit(timeout: .seconds(60)) == 0, "hv3 log:\n\(hv3.log)")
            hv3 = try fleet.start(name: "hv3", config: cluster.config(node: "hv3"))
            let daemons = [hv1, hv2, hv3]

            #expect(await cluster.waitFor("/schema/version", toBe: "15", timeout: .seconds(30)),
                    "hv3 log:\n\(hv3.log)")
            for daemon in daemons {
                let reexecuted = await Self.waitForLog(daemon, "reexecutions=1")
                #expect(reexecuted, "\(daemon.name) did not re-execute; its log:\n\(daemon.log)")
                #expect(daemon.log.contains("schema: re-executing in place"), "\(daemon.name)")
                // The same process: the PID in the first and the re-executed start lines is ours.
                let starts = daemon.log.components(separatedBy: "\n").filter { $0.hasSuffix(" starting") }
                #expect(starts.count == 2, "\(daemon.name) log:\n\(daemon.log)")
                #expect(starts.allSatisfy { $0.contains("pid=\(daemon.pid)") }, "\(daemon.name) log:\n\(daemon.log)")
                #expect(await daemon.waitForExit(timeout: .zero) == nil, "\(daemon.name) exited")
            }
            for daemon in daemons {
                #expect(await cluster.waitFor("/nodes/\(daemon.name)/activeschema", toBe: "15"),
                        "\(daemon.name) log:\n\(daemon.log)")
                // Back in run after the re-execution.
                let running = await Self.waitForLog(daemon, "daemon state run", after: "reexecutions=1")
                #expect(running, "\(daemon.name) log:\n\(daemon.log)")
                #expect(await cluster.value("/nodes/\(daemon.name)/daemonstate") == "run")
            }
            // Exactly one coordinator migrated; the other found it done.
            let migrations = daemons.filter { $0.log.contains("schema: migrated the tree") }
            #expect(migrations.count == 1, "logs:\n\(daemons.map(\.log).joined(separator: "\n"))")
            #expect(hv3.log.contains("waiting on the read lock"), "hv3 log:\n\(hv3.log)")
            let report = try await catalog.schema(15).validate(cluster.observer)
            #expect(report.isValid, "missing at 15: \(report.missing)")
            #expect(await cluster.value("/config/fence_lock") != nil)

            // The re-executed daemons still stop cleanly on SIGTERM.
            for daemon in daemons { daemon.signal(SIGTERM) }
            for daemon in daemons {
                #expect(await daemon.waitForExit(timeout: .seconds(60)) == 0, "\(daemon.name) log:\n\(daemon.log)")
            }
        }
        await cluster.close()
    }

    /// Polls the log for `text`, only after the first `after` if given.
    static func waitForLog(_ daemon: DaemonProcess, _ text: String, after: String? = nil,
                           timeout: Duration = .seconds(30)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            var log = daemon.log[...]
            if let after {
                log = log.range(of: after).map { log[$0.upperBound...] } ?? ""
            }
            if log.contains(text) { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }
}
