import Foundation
import Testing

/// Node commands with no NAME and no --zk, run as on a node: the cluster and the node come from its config file.
@Suite("pvcctl node commands on the node itself, from its config file")
struct LocalNodeCommandTests {
    /// The written keys and the wait's end, from `--format json`.
    private func expectDone(_ run: CtlRun, wrote value: String, at path: String, now state: String,
                            sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(run.status == 0, "\(run.stderr)", sourceLocation: sourceLocation)
        // The config's unknown key is the daemon's to warn about, not pvcctl's.
        #expect(run.stderr.isEmpty, "\(run.stderr)", sourceLocation: sourceLocation)
        let object = try #require(try parseJSON(run.stdout) as? [String: Any], sourceLocation: sourceLocation)
        #expect(object["node"] as? String == "hv2", sourceLocation: sourceLocation)
        #expect(object["written"] as? [[String: String]] == [["path": path, "value": value]],
                sourceLocation: sourceLocation)
        #expect(object["waited"] as? Bool == true, sourceLocation: sourceLocation)
        #expect(object["domainstate"] as? String == state, sourceLocation: sourceLocation)
    }

    @Test("node flush --wait and node ready --wait with --config, then with PVC_CONFIG_FILE, act on node.name")
    func flushAndReady() async throws {
        try await withVMCluster { cluster in
            try await cluster.threeNodes()
            let file = try NodeConfigFile.write(node: "hv2", connect: cluster.sandbox.zk)
            defer { file.remove() }
            let key = "/nodes/hv2/domainstate"
            let standard = ["--standard-config", absentConfigPath()]

            for (arguments, environment) in [(["--config", file.path], [String: String]()),
                                             ([], ["PVC_CONFIG_FILE": file.path])] {
                let flusher = cluster.respond(at: key, when: "flush", with: [(key, "flushed")])
                let flushed = try await Pvcctl.run(["node", "flush", "--wait", "--format", "json"] + arguments + standard,
                                                   environment: environment, limit: 120)
                try await flusher.value
                try expectDone(flushed, wrote: "flush", at: key, now: "flushed")

                let readier = cluster.respond(at: key, when: "unflush", with: [(key, "ready")])
                let readied = try await Pvcctl.run(["node", "ready", "--wait", "--format", "json"] + arguments + standard,
                                                   environment: environment, limit: 120)
                try await readier.value
                try expectDone(readied, wrote: "unflush", at: key, now: "ready")
            }
            // Only the configured node was touched.
            #expect(try await cluster.text("/nodes/hv1/domainstate") == "ready")
            #expect(try await cluster.text("/nodes/hv3/domainstate") == "ready")
        }
    }

    @Test("node primary --wait and node info with PVC_CONFIG_FILE act on node.name")
    func primaryAndInfo() async throws {
        try await withVMCluster { cluster in
            try await cluster.threeNodes()
            for name in ["hv1", "hv2"] {
                try await cluster.write("/nodes/\(name)/daemonmode", "coordinator")
                try await cluster.write("/nodes/\(name)/routerstate", "secondary")
            }
            try await cluster.write("/config/primary_node", "none")
            let file = try NodeConfigFile.write(node: "hv2", connect: cluster.sandbox.zk)
            defer { file.remove() }
            let environment = ["PVC_CONFIG_FILE": file.path]
            let standard = ["--standard-config", absentConfigPath()]

            // Plays hv2's daemon: it takes over once the key names it.
            let router = cluster.respond(at: "/config/primary_node", when: "hv2",
                                         with: [("/nodes/hv2/routerstate", "primary")])
            let primary = try await Pvcctl.run(["node", "primary", "--wait"] + standard, environment: environment,
                                               limit: 120)
            try await router.value
            #expect(primary.status == 0, "\(primary.stderr)")
            #expect(primary.stdout.contains("hv2 is primary after"), "\(primary.stdout)")
            #expect(try await cluster.text("/config/primary_node") == "hv2")

            let info = try await Pvcctl.run(["node", "info", "--format", "json"] + standard, environment: environment)
            #expect(info.status == 0, "\(info.stderr)")
            let object = try #require(try parseJSON(info.stdout) as? [String: Any])
            #expect(object["name"] as? String == "hv2")
            #expect((object["keys"] as? [String: Any])?["/routerstate"] as? String == "primary")
        }
    }
}
