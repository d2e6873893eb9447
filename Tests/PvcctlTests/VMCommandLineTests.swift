import Foundation
import Testing

/// The pvcctl binary over the same client: arguments, output, one-line refusals, exit codes.
@Suite("pvcctl vm / node flush|ready against a real ZooKeeper")
struct VMCommandLineTests {
    private func ctl(_ cluster: VMTestCluster, _ arguments: String...) async throws -> CtlRun {
        try await Pvcctl.run(arguments + ["--zk", cluster.sandbox.zk], limit: 120)
    }

    private func expectFailure(_ run: CtlRun, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(run.status != 0, "succeeded: \(run.stdout)", sourceLocation: sourceLocation)
        #expect(run.stderrLines.count == 1, "\(run.stderr)", sourceLocation: sourceLocation)
        #expect(run.stderr.contains(message), "\(run.stderr)", sourceLocation: sourceLocation)
    }

    @Test("define from a file, list, info, start, migrate, refusals")
    func vmCommands() async throws {
        try await withVMCluster { cluster in
            try await cluster.threeNodes()
            let uuid = UUID().uuidString.lowercased()
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("pvcctl-\(uuid).xml")
            try VMTestCluster.domainXML(name: "web1", uuid: uuid).write(to: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: file) }

            let defined = try await ctl(cluster, "vm", "define", file.path, "--node", "hv1", "--limit", "hv1,hv2",
                                        "--autostart", "--method", "shutdown", "--selector", "vcpus")
            #expect(defined.status == 0, "\(defined.stderr)")
            #expect(try await cluster.text("/domains/\(uuid)") == "web1")
            #expect(try await cluster.text("/domains/\(uuid)/node_limit") == "hv1,hv2")
            #expect(try await cluster.text("/domains/\(uuid)/node_autostart") == "True")
            #expect(try await cluster.text("/domains/\(uuid)/migration_method") == "shutdown")
            #expect(try await cluster.text("/domains/\(uuid)/node_selector") == "vcpus")
            expectFailure(try await ctl(cluster, "vm", "define", file.path), "already defined")

            let list = try await ctl(cluster, "vm", "list", "--format", "json")
            #expect(list.status == 0, "\(list.stderr)")
            let rows = try parseJSON(list.stdout) as? [[String: Any]]
            #expect(rows?.first?["uuid"] as? String == uuid)
            #expect(rows?.first?["state"] as? String == "stop")

            let info = try await ctl(cluster, "vm", "info", "web1")
            #expect(info.status == 0 && info.stdout.contains(uuid) && info.stdout.contains("hv1,hv2"), "\(info.stdout)")

            expectFailure(try await ctl(cluster, "vm", "shutdown", "web1"), "is not running")
            #expect(try await ctl(cluster, "vm", "start", "web1").status == 0)
            #expect(try await cluster.text("/domains/\(uuid)/state") == "start")

            expectFailure(try await ctl(cluster, "vm", "migrate", "web1", "--target", "hv1"), "already on node 'hv1'")
            expectFailure(try await ctl(cluster, "vm", "migrate", "web1", "--target", "hv3"), "not in the allowed list")
            expectFailure(try await ctl(cluster, "vm", "migrate", "web1", "--target", "nosuch"), "no node 'nosuch'")
            let migrated = try await ctl(cluster, "vm", "migrate", "web1", "--format", "json")
            #expect(migrated.status == 0, "\(migrated.stderr)")
            let written = (try parseJSON(migrated.stdout) as? [String: Any])?["written"] as? [[String: String]]
            #expect(written?.map { $0["value"] ?? "" } == ["migrate", "hv2", "hv1"])
            expectFailure(try await ctl(cluster, "vm", "migrate", "web1", "--target", "hv1"), "previously migrated")

            expectFailure(try await ctl(cluster, "vm", "unmigrate", "web1", "--wait", "--timeout", "1"),
                          "still in state 'migrate'")
            #expect(try await cluster.text("/domains/\(uuid)/node") == "hv1")
            #expect(try await cluster.text("/domains/\(uuid)/lastnode") == "")

            #expect(try await ctl(cluster, "vm", "undefine", uuid).status == 0)
            #expect(try await cluster.store.exists("/domains/\(uuid)") == nil)
            expectFailure(try await ctl(cluster, "vm", "start", "web1"), "no VM named 'web1'")
        }
    }

    @Test("node flush --wait: done on flushed; flush-failed exits non-zero")
    func nodeFlush() async throws {
        try await withVMCluster { cluster in
            try await cluster.node("hv1")
            let key = "/nodes/hv1/domainstate"
            let flusher = cluster.respond(at: key, when: "flush", with: [(key, "flushed")])
            let flushed = try await ctl(cluster, "node", "flush", "hv1", "--wait")
            try await flusher.value
            #expect(flushed.status == 0, "\(flushed.stderr)")
            #expect(flushed.stdout.contains("Removed node hv1 from active service."), "\(flushed.stdout)")

            let readier = cluster.respond(at: key, when: "unflush", with: [(key, "flush-failed")])
            // Not a flush, but an unflush that ends elsewhere is as much a failure.
            expectFailure(try await ctl(cluster, "node", "ready", "hv1", "--wait"), "'flush-failed', not 'ready'")
            try await readier.value

            let failer = cluster.respond(at: key, when: "flush", with: [(key, "flush-failed")])
            expectFailure(try await ctl(cluster, "node", "flush", "hv1", "--wait"), "ended in state 'flush-failed'")
            try await failer.value
            expectFailure(try await ctl(cluster, "node", "flush", "hv9"), "no node 'hv9'")
        }
    }
}
