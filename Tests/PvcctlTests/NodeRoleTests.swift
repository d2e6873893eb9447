import Coordination
import Foundation
import Testing
import ZooKeeper

/// A node's registration keys, as far as the role change reads them.
private func register(_ sandbox: Sandbox, _ name: String, mode: String, daemon: String, router: String) async throws {
    try await sandbox.write("/nodes/\(name)", mode)
    try await sandbox.write("/nodes/\(name)/daemonmode", mode)
    try await sandbox.write("/nodes/\(name)/daemonstate", daemon)
    try await sandbox.write("/nodes/\(name)/routerstate", router)
}

/// An initialized cluster: hv1 primary, hv2 and hv3 secondary, hv4 a hypervisor; all in `run`.
private func threeCoordinators(_ sandbox: Sandbox) async throws {
    let initialized = try await sandbox.ctl("cluster", "init")
    #expect(initialized.status == 0, "stderr: \(initialized.stderr)")
    try await register(sandbox, "hv1", mode: "coordinator", daemon: "run", router: "primary")
    try await register(sandbox, "hv2", mode: "coordinator", daemon: "run", router: "secondary")
    try await register(sandbox, "hv3", mode: "coordinator", daemon: "run", router: "secondary")
    try await register(sandbox, "hv4", mode: "hypervisor", daemon: "run", router: "client")
    try await sandbox.write("/config/primary_node", "hv1")
}

extension Sandbox {
    func stat(_ relative: String) async throws -> Coordination.Stat {
        try await admin.get(chroot + relative).stat
    }

    /// Returns once the key holds `expected`, watching it (with a short poll as a backstop); throws
    /// after `within`.
    func awaitValue(_ relative: String, _ expected: String, within: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + within
        while true {
            let signal = WatchSignal()
            if try await admin.get(chroot + relative, watch: signal).text == expected { return }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else {
                throw PvcctlTestError("\(relative) never became '\(expected)' within \(within)")
            }
            _ = try? await signal.wait(timeout: min(remaining, .milliseconds(200)))
        }
    }
}

/// The seconds in "... after 0.52 s".
private func reportedSeconds(_ stdout: String, after prefix: String) -> Double? {
    guard let range = stdout.range(of: prefix) else { return nil }
    let rest = stdout[range.upperBound...]
    return Double(rest.prefix { $0.isNumber || $0 == "." })
}

@Suite("pvcctl node primary / secondary against a real ZooKeeper")
struct NodeRoleTests {
    /// A refusal: non-zero, one line saying `message`, and /config/primary_node untouched.
    private func expectRefusal(_ sandbox: Sandbox, _ arguments: [String], _ message: String,
                               sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let before = try await sandbox.admin.get(sandbox.chroot + "/config/primary_node")
        let run = try await Pvcctl.run(arguments + ["--zk", sandbox.zk])
        #expect(run.status != 0, "\(arguments) succeeded: \(run.stdout)", sourceLocation: sourceLocation)
        #expect(run.stderrLines.count == 1, "\(arguments): \(run.stderr)", sourceLocation: sourceLocation)
        #expect(run.stderr.contains(message), "\(arguments): \(run.stderr)", sourceLocation: sourceLocation)
        #expect(run.stderr.contains("nothing written"), "\(arguments): \(run.stderr)", sourceLocation: sourceLocation)
        let after = try await sandbox.admin.get(sandbox.chroot + "/config/primary_node")
        #expect(after == before, "\(arguments) wrote the key", sourceLocation: sourceLocation)
    }

    @Test("refused: a missing node, a hypervisor, a node not in run, and a node already in the role")
    func refusals() async throws {
        try await withSandbox { sandbox in
            try await threeCoordinators(sandbox)
            try await register(sandbox, "hv5", mode: "coordinator", daemon: "stop", router: "secondary")
            try await expectRefusal(sandbox, ["node", "primary", "nosuch"], "no node 'nosuch'")
            try await expectRefusal(sandbox, ["node", "secondary", "nosuch"], "no node 'nosuch'")
            try await expectRefusal(sandbox, ["node", "primary", "hv4"], "'hv4' is not a coordinator")
            try await expectRefusal(sandbox, ["node", "secondary", "hv4"], "'hv4' is not a coordinator")
            try await expectRefusal(sandbox, ["node", "primary", "hv5"], "'hv5' is not active (daemonstate 'stop'")
            try await expectRefusal(sandbox, ["node", "primary", "hv1"], "'hv1' is already primary")
            try await expectRefusal(sandbox, ["node", "secondary", "hv2"], "'hv2' is already secondary")
            // A node without a daemonmode key is not a coordinator either.
            try await sandbox.write("/nodes/hv6", "coordinator")
            try await expectRefusal(sandbox, ["node", "primary", "hv6"], "daemonmode missing")
        }
    }

    @Test("secondary is refused when no other coordinator is in run (hypervisors do not count)")
    func secondaryNeedsAnotherCoordinator() async throws {
        try await withSandbox { sandbox in
            try await threeCoordinators(sandbox)
            try await sandbox.write("/nodes/hv2/daemonstate", "init")
            try await sandbox.write("/nodes/hv3/daemonstate", "dead")
            try await expectRefusal(sandbox, ["node", "secondary", "hv1"], "no other coordinator is in daemonstate 'run'")
            // With one back in run, the same request goes through.
            try await sandbox.write("/nodes/hv3/daemonstate", "run")
            let run = try await sandbox.ctl("node", "secondary", "hv1")
            #expect(run.status == 0, "stderr: \(run.stderr)")
            #expect(try await sandbox.text("/config/primary_node") == "none")
        }
    }

    @Test("an uninitialized cluster is refused, and garbage in /config/primary_node is reported")
    func primaryNodeKey() async throws {
        try await withSandbox { sandbox in
            try await register(sandbox, "hv1", mode: "coordinator", daemon: "run", router: "secondary")
            let missing = try await sandbox.ctl("node", "primary", "hv1")
            #expect(missing.status != 0)
            #expect(missing.stderrLines.count == 1)
            #expect(missing.stderr.contains("not initialized"), "stderr: \(missing.stderr)")
            #expect(try await sandbox.admin.exists(sandbox.chroot + "/config/primary_node") == nil)

            try await sandbox.write("/config/primary_node", [0xff, 0xfe, 0x00])
            let garbage = try await sandbox.ctl("node", "primary", "hv1")
            #expect(garbage.status == 0, "stderr: \(garbage.stderr)")
            #expect(garbage.stderr.contains("3 bytes that are not UTF-8"), "stderr: \(garbage.stderr)")
            #expect(try await sandbox.text("/config/primary_node") == "hv1")

            try await sandbox.write("/nodes/hv1/routerstate", "primary")
            try await register(sandbox, "hv2", mode: "coordinator", daemon: "run", router: "secondary")
            try await sandbox.write("/config/primary_node", "ghost")
            let ghost = try await sandbox.ctl("node", "secondary", "hv1")
            #expect(ghost.status == 0, "stderr: \(ghost.stderr)")
            #expect(ghost.stderr.contains("'ghost', which names no node"), "stderr: \(ghost.stderr)")
            #expect(try await sandbox.text("/config/primary_node") == "none")
        }
    }

    @Test("primary writes the name, secondary writes none, each as one compare-and-set")
    func writes() async throws {
        try await withSandbox { sandbox in
            try await threeCoordinators(sandbox)
            let before = try await sandbox.stat("/config/primary_node")
            let primary = try await sandbox.ctl("node", "primary", "hv2")
            #expect(primary.status == 0, "stderr: \(primary.stderr)")
            #expect(primary.stderr.isEmpty)
            #expect(primary.stdout.contains("Setting node hv2 in primary coordinator mode"))
            #expect(try await sandbox.text("/config/primary_node") == "hv2")
            #expect(try await sandbox.stat("/config/primary_node").version == before.version + 1)
            // Nothing else was written: the daemons write routerstates, not the client.
            #expect(try await sandbox.text("/nodes/hv2/routerstate") == "secondary")

            let secondary = try await sandbox.ctl("node", "secondary", "hv1", "--format", "json")
            #expect(secondary.status == 0, "stderr: \(secondary.stderr)")
            let object = try #require(try parseJSON(secondary.stdout) as? [String: Any])
            #expect(object["node"] as? String == "hv1")
            #expect(object["role"] as? String == "secondary")
            #expect(object["primary_node_before"] as? String == "hv2")
            #expect(object["primary_node"] as? String == "none")
            #expect(object["waited"] as? Bool == false)
            #expect(try await sandbox.text("/config/primary_node") == "none")
            #expect(try await sandbox.stat("/config/primary_node").version == before.version + 2)
        }
    }

    @Test("a key changed since the checks is not overwritten (compare-and-set on the checked version)")
    func compareAndSet() async throws {
        try await withSandbox { sandbox in
            try await threeCoordinators(sandbox)
            let checked = try await sandbox.stat("/config/primary_node").version
            // What a daemon's keepalive does between a client's checks and its write: re-assert.
            try await sandbox.write("/config/primary_node", "hv1")
            for role in ["primary", "secondary"] {
                let node = role == "primary" ? "hv2" : "hv1"
                let run = try await sandbox.ctl("node", role, node, "--expect-version", String(checked))
                #expect(run.status != 0, "\(role) overwrote a changed key")
                #expect(run.stderrLines.count == 1)
                #expect(run.stderr.contains("changed while pvcctl checked it"), "stderr: \(run.stderr)")
                #expect(run.stderr.contains("now 'hv1' at version \(checked + 1)"), "stderr: \(run.stderr)")
                #expect(try await sandbox.text("/config/primary_node") == "hv1")
                #expect(try await sandbox.stat("/config/primary_node").version == checked + 1)
            }
            // The current version is accepted: the hook only changes what is compared.
            let current = try await sandbox.ctl("node", "primary", "hv2", "--expect-version", String(checked + 1))
            #expect(current.status == 0, "stderr: \(current.stderr)")
            #expect(try await sandbox.text("/config/primary_node") == "hv2")
        }
    }

    @Test("primary --wait returns once the new primary is primary and nobody relinquishes")
    func waitPrimary() async throws {
        try await withSandbox { sandbox in
            try await threeCoordinators(sandbox)
            async let result = sandbox.ctl("node", "primary", "hv2", "--wait", "--timeout", "20", "--format", "json")
            // Play the daemons: react to the key, hand over in steps, the old primary last.
            try await sandbox.awaitValue("/config/primary_node", "hv2")
            try await sandbox.write("/nodes/hv2/routerstate", "takeover")
            try await sandbox.write("/nodes/hv1/routerstate", "relinquish")
            try await Task.sleep(for: .milliseconds(300))
            try await sandbox.write("/nodes/hv2/routerstate", "primary")
            try await Task.sleep(for: .milliseconds(300))
            try await sandbox.write("/nodes/hv1/routerstate", "secondary")
            let run = try await result
            #expect(run.status == 0, "stderr: \(run.stderr)")
            let object = try #require(try parseJSON(run.stdout) as? [String: Any], "\(run.stdout)")
            #expect(object["waited"] as? Bool == true)
            let seconds = try #require(object["seconds"] as? Double)
            // Only the lower bound is behaviour; an upper bound would time the machine, not the code.
            #expect(seconds >= 0.6 && seconds < 20)
            // The states it returned on: hv1 had left relinquish, not only hv2 reached primary.
            let states = try #require(object["routerstates"] as? [String: Any])
            #expect(states["hv1"] as? String == "secondary")
            #expect(states["hv2"] as? String == "primary")
            #expect(states["hv3"] as? String == "secondary")
        }
    }

    @Test("primary --wait, table output, says how long it took")
    func waitPrimaryTable() async throws {
        try await withSandbox { sandbox in
            try await threeCoordinators(sandbox)
            async let result = sandbox.ctl("node", "primary", "hv3", "--wait", "--timeout", "20")
            try await sandbox.awaitValue("/config/primary_node", "hv3")
            try await sandbox.write("/nodes/hv1/routerstate", "secondary")
            try await sandbox.write("/nodes/hv3/routerstate", "primary")
            let run = try await result
            #expect(run.status == 0, "stderr: \(run.stderr)")
            let seconds = try #require(reportedSeconds(run.stdout, after: "hv3 is primary after "), "\(run.stdout)")
            #expect(seconds >= 0 && seconds < 20)
            #expect(run.stdout.hasSuffix(" s\n"), "\(run.stdout)")
        }
    }

    @Test("secondary --wait returns once another coordinator is primary and the node is secondary")
    func waitSecondary() async throws {
        try await withSandbox { sandbox in
            try await threeCoordinators(sandbox)
            async let result = sandbox.ctl("node", "secondary", "hv1", "--wait", "--timeout", "20", "--format", "json")
            try await sandbox.awaitValue("/config/primary_node", "none")
            // hv3 wins the contention.
            try await sandbox.write("/config/primary_node", "hv3")
            try await sandbox.write("/nodes/hv3/routerstate", "takeover")
            try await sandbox.write("/nodes/hv1/routerstate", "relinquish")
            try await Task.sleep(for: .milliseconds(300))
            try await sandbox.write("/nodes/hv1/routerstate", "secondary")
            try await Task.sleep(for: .milliseconds(300))
            try await sandbox.write("/nodes/hv3/routerstate", "primary")
            let run = try await result
            #expect(run.status == 0, "stderr: \(run.stderr)")
            let object = try #require(try parseJSON(run.stdout) as? [String: Any], "\(run.stdout)")
            #expect(object["waited"] as? Bool == true)
            let seconds = try #require(object["seconds"] as? Double)
            // It waited for hv3 to be primary, not only for hv1 to be secondary.
            #expect(seconds >= 0.6)
            let states = try #require(object["routerstates"] as? [String: Any])
            #expect(states["hv1"] as? String == "secondary")
            #expect(states["hv3"] as? String == "primary")
            #expect(states["hv2"] as? String == "secondary")
        }
    }

    @Test("secondary --wait, table output, names the new primary")
    func waitSecondaryTable() async throws {
        try await withSandbox { sandbox in
            try await threeCoordinators(sandbox)
            async let result = sandbox.ctl("node", "secondary", "hv1", "--wait", "--timeout", "20")
            try await sandbox.awaitValue("/config/primary_node", "none")
            try await sandbox.write("/config/primary_node", "hv2")
            try await sandbox.write("/nodes/hv2/routerstate", "primary")
            try await sandbox.write("/nodes/hv1/routerstate", "secondary")
            let run = try await result
            #expect(run.status == 0, "stderr: \(run.stderr)")
            #expect(run.stdout.contains("hv1 is secondary after "), "\(run.stdout)")
            #expect(run.stdout.contains("; hv2 is primary"), "\(run.stdout)")
        }
    }

    @Test("--wait with nobody answering times out and lists every coordinator's routerstate")
    func waitTimeout() async throws {
        try await withSandbox { sandbox in
            try await threeCoordinators(sandbox)
            // No daemon plays along: the states stay as they were. (Not a takeover written by the
            // test after seeing the key: under load that write can land after the deadline.)
            let run = try await sandbox.ctl("node", "primary", "hv2", "--wait", "--timeout", "1.5")
            #expect(run.status != 0)
            #expect(run.stderrLines.count == 1, "stderr: \(run.stderr)")
            #expect(run.stderr.contains("'hv2' did not become primary within 1."), "stderr: \(run.stderr)")
            #expect(run.stderr.contains("routerstates hv1 primary, hv2 secondary, hv3 secondary;"),
                    "stderr: \(run.stderr)")
            #expect(!run.stderr.contains("hv4"))
            #expect(run.stderr.contains("/config/primary_node is 'hv2'"), "stderr: \(run.stderr)")
            #expect(run.elapsed >= .seconds(1.5))
            // Bounded, not timed: the wait must end, however loaded the machine is.
            #expect(run.elapsed < .seconds(60))
            // The request itself stands: it was written before the wait.
            #expect(try await sandbox.text("/config/primary_node") == "hv2")
        }
    }
}
