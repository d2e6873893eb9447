import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.timeLimit(.minutes(2))) struct DaemonLifecycleTests {
    /// Three real daemons on one cluster: all reach run, keep their keepalives moving, and on
    /// SIGTERM say shutdown, then stop, and exit 0.
    @Test func threeNodesRunKeepAliveAndStop() async throws {
        let cluster = try await TestCluster.make()
        try await withFleet { fleet in
            let names = ["hv1", "hv2", "hv3"]
            var daemons: [DaemonProcess] = []
            for name in names {
                daemons.append(try fleet.start(name: name, config: cluster.config(node: name)))
            }
            for daemon in daemons {
                let running = await cluster.waitFor("/nodes/\(daemon.name)/daemonstate", toBe: "run")
                #expect(running, "\(daemon.name) never reached run; its log:\n\(daemon.log)")
            }
            #expect(await cluster.value("/schema/version") == "15")
            #expect(await cluster.value("/nodes/hv1") == "coordinator")
            // The coordinators elect one primary between them; the hypervisor stays a client.
            var routers: [String?] = []
            let elected = ContinuousClock.now + .seconds(10)
            repeat {
                routers = [await cluster.value("/nodes/hv1/routerstate"), await cluster.value("/nodes/hv2/routerstate")]
                if routers.sorted(by: { ($0 ?? "") < ($1 ?? "") }) == ["primary", "secondary"] { break }
                try await Task.sleep(for: .milliseconds(50))
            } while ContinuousClock.now < elected
            #expect(routers.sorted(by: { ($0 ?? "") < ($1 ?? "") }) == ["primary", "secondary"], "\(routers)")
            let primary = routers[0] == "primary" ? "hv1" : "hv2"
            #expect(await cluster.value("/config/primary_node") == primary)
            #expect(await cluster.value("/nodes/hv3/routerstate") == "client")
            #expect(await cluster.value("/nodes/hv3/domainstate") == "flushed")
            #expect(await cluster.value("/nodes/hv3/runningdomains") == "")

            let first = Int(await cluster.value("/nodes/hv2/keepalive") ?? "") ?? 0
            let deadline = ContinuousClock.now + .seconds(6)
            var later = first
            while later <= first && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
                later = Int(await cluster.value("/nodes/hv2/keepalive") ?? "") ?? 0
            }
            #expect(later > first, "the keepalive timestamp did not advance")
            #expect((Int(await cluster.value("/nodes/hv2/memtotal") ?? "") ?? 0) > 0)

            for daemon in daemons { daemon.signal(SIGTERM) }
            for daemon in daemons {
                let status = await daemon.waitForExit(timeout: .seconds(60))
                #expect(status == 0, "\(daemon.name) exit status; its log:\n\(daemon.log)")
                #expect(await cluster.value("/nodes/\(daemon.name)/daemonstate") == "stop")
            }
        }
        await cluster.close()
    }

    /// A restarted node keeps its record and goes back to run.
    @Test func aRestartedNodeRunsAgain() async throws {
        let cluster = try await TestCluster.make()
        try await withFleet { fleet in
            let first = try fleet.start(name: "hv1", config: cluster.config(node: "hv1"))
            #expect(await cluster.waitFor("/nodes/hv1/daemonstate", toBe: "run"), "log:\n\(first.log)")
            first.signal(SIGTERM)
            #expect(await first.waitForExit(timeout: .seconds(60)) == 0)
            #expect(await cluster.value("/nodes/hv1/daemonstate") == "stop")
            let second = try fleet.start(name: "hv1", config: cluster.config(node: "hv1"))
            #expect(await cluster.waitFor("/nodes/hv1/daemonstate", toBe: "run"), "log:\n\(second.log)")
            second.signal(SIGTERM)
            #expect(await second.waitForExit(timeout: .seconds(60)) == 0)
        }
        await cluster.close()
    }

    /// A malformed configuration is refused before ZooKeeper is touched, naming the key.
    @Test func aMalformedConfigurationNamesTheKey() async throws {
        try await withFleet { fleet in
            let config = """
                cluster:
                  name: test
                  coordinator_nodes: [hv1]
                database:
                  zookeeper:
                    connect: "127.0.0.1:1"
                timer:
                  keepalive_interval: soon

                """
            let daemon = try fleet.start(name: "bad", config: config)
            let status = await daemon.waitForExit(timeout: .seconds(60))
            #expect(status == 2)
            #expect(daemon.log.contains("timer.keepalive_interval"), "log:\n\(daemon.log)")
            #expect(daemon.log.contains("bad.yaml"))
        }
    }

    /// The command line: `--config=FILE` is the same as `--config FILE`; anything else is refused
    /// with exit 2 and the usage, before the configuration is read.
    @Test func commandLine() async throws {
        let cluster = try await TestCluster.make()
        try await withFleet { fleet in
            let daemon = try fleet.start(name: "hv1", config: cluster.config(node: "hv1")) { ["--config=\($0)"] }
            #expect(await cluster.waitFor("/nodes/hv1/daemonstate", toBe: "run"), "log:\n\(daemon.log)")
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: .seconds(60)) == 0, "log:\n\(daemon.log)")

            for (name, arguments) in [("bogus", ["--bogus"]), ("noValue", ["--config"])] {
                let refused = try fleet.start(name: name, config: "") { _ in arguments }
                #expect(await refused.waitForExit(timeout: .seconds(60)) == 2, "\(arguments)")
                #expect(refused.log.contains("usage: pvcnoded"), "\(arguments): \(refused.log)")
            }
        }
        await cluster.close()
    }

    /// `/config/maintenance` is watched: on, off and garbage each give one clear line, garbage
    /// with its value and read as off.
    @Test func maintenanceModeIsWatched() async throws {
        let cluster = try await TestCluster.make()
        try await withFleet { fleet in
            let daemon = try fleet.start(name: "hv1", config: cluster.config(node: "hv1"))
            #expect(await cluster.waitFor("/nodes/hv1/daemonstate", toBe: "run"), "log:\n\(daemon.log)")
            for (value, line) in [("true", "cluster maintenance on"), ("maybe", "value=maybe"),
                                  ("false", "cluster maintenance off")] {
                _ = try await cluster.observer.set("/config/maintenance", data: Array(value.utf8))
                let deadline = ContinuousClock.now + .seconds(10)
                while !daemon.log.contains(line) && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(daemon.log.contains(line), "\(value): log:\n\(daemon.log)")
            }
            #expect(daemon.log.contains("holds neither true nor false"))
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: .seconds(60)) == 0, "log:\n\(daemon.log)")
        }
        await cluster.close()
    }

    /// SIGTERM while no ZooKeeper answers still ends the daemon, cleanly.
    @Test func shutdownWhileUnreachableExitsZero() async throws {
        try await withFleet { fleet in
            let config = """
                node:
                  name: hv9
                cluster:
                  name: test
                  coordinator_nodes: [hv9]
                database:
                  zookeeper:
                    connect: "127.0.0.1:1"

                """
            let daemon = try fleet.start(name: "hv9", config: config)
            try await Task.sleep(for: .seconds(1))
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: .seconds(60)) == 0, "log:\n\(daemon.log)")
        }
    }
}
