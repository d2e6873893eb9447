import Foundation
import LocalServices
import TestSupport
import Testing

/// Issue 4's real test of the floating address: every node in a network namespace of its own on
/// a shared bridge, ZooKeeper on the bridge address, the upstream floating address configured on
/// each node's eth0. After every change of primary — operator switches both ways and a SIGTERM —
/// the address answers from the new primary's namespace (a listener there names its node) and is
/// no longer configured in the old one.
@Suite(.serialized, .timeLimit(.minutes(5))) struct FloatingAddressFollowsPrimaryTests {
    static let port = 7100

    @Test func floatingAddressFollowsThePrimary() async throws {
        try TestNetwork.requireRoot()
        let names = ["hv1", "hv2", "hv3"]
        let net = try await TestNetwork.up(nodes: names.count, names: names)
        do {
            let server = try await ZooKeeperServer.start(bind: net.hostAddress)
            do {
                try await exercise(net, server: server, names: names)
            } catch {
                try? await server.stop()
                throw error
            }
            try await server.stop()
        } catch {
            try? await net.down()
            throw error
        }
        try await net.down()
    }

    private func exercise(_ net: TestNetwork, server: ZooKeeperServer, names: [String]) async throws {
        let floating = net.spareAddress(250)
        for index in 1...names.count { _ = try await net.serve(index, port: Self.port) }
        let cluster = try await ClusterChroot.make(hosts: server.connectString)
        let recorder = try await RouterRecorder.start(hosts: cluster.hosts, chroot: cluster.chroot, nodes: names)
        defer { Task { await recorder.stop(); await cluster.close() } }
        try await withFleet { fleet in
            for (offset, name) in names.enumerated() {
                let config = cluster.config(node: name, coordinators: names, clusterExtra: """
                      networks:
                        upstream:
                          device: eth0
                          ipv4:
                            netmask: 24
                            network_address: \(net.subnet).0
                            floating_address: \(floating)
                    """)
                try fleet.start(name: name, config: config, prefix: try net.node(offset + 1).execPrefix)
            }
            let all = Set(names)
            let first = await recorder.waitFor(timeout: settleTimeout) { $0.isSettled(among: all, running: all) }
            let elected = try #require(first?.primary, "no primary elected: \(fleet.logTails())")
            try await expectAddress(on: elected, net: net, names: names, floating: floating)

            // Operator switches, each to a node that is not primary, then `none`.
            var current = elected
            for step in 0..<4 {
                let target: String
                if step == 3 {
                    try await cluster.setPrimaryNode("none")
                    let previous = current
                    let settled = await recorder.waitFor(timeout: settleTimeout) {
                        $0.isSettled(among: all, running: all) && $0.primary != previous
                    }
                    target = try #require(settled?.primary, "none: \(fleet.logTails())")
                } else {
                    // Round robin: the node after the current primary.
                    target = names[((names.firstIndex(of: current) ?? 0) + 1) % names.count]
                    try await cluster.setPrimaryNode(target)
                    let settled = await recorder.waitFor(timeout: settleTimeout) {
                        $0.isSettled(primary: target, among: all, running: all)
                    }
                    #expect(settled != nil, "\(target): \(fleet.logTails())")
                }
                try await expectAddress(on: target, net: net, names: names, floating: floating)
                current = target
            }

            // SIGTERM of the primary hands the address over before the daemon stops.
            let stopped = try #require(fleet.daemon(current))
            stopped.signal(SIGTERM)
            #expect(await stopped.waitForExit(timeout: .seconds(60)) == 0, "\(fleet.logTails())")
            let remaining = all.subtracting([current])
            let settled = await recorder.waitFor(timeout: settleTimeout) {
                $0.isSettled(among: remaining, running: remaining)
            }
            let successor = try #require(settled?.primary, "after SIGTERM: \(fleet.logTails())")
            try await expectAddress(on: successor, net: net, names: names, floating: floating)
            #expect(recorder.violations.isEmpty, "\(recorder.violations)")
        }
    }

    /// The address answers from `node`'s namespace and is configured there and nowhere else.
    private func expectAddress(on node: String, net: TestNetwork, names: [String], floating: String) async throws {
        // The old primary removes its copy after the new one added it; both happen within the
        // handover the recorder waited for, but the listener's reply is the real proof.
        var answered = ""
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            answered = (try? await net.whoAnswers(address: floating, port: Self.port, timeout: 1)) ?? ""
            if answered == node { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(answered == node, "\(floating) answered from '\(answered)', expected \(node)")
        for (offset, name) in names.enumerated() {
            let addresses = try await net.exec(offset + 1, ["ip", "-o", "-4", "address", "show", "dev", "eth0"])
            let holds = addresses.contains(" \(floating)/")
            #expect(holds == (name == node), "\(name) \(holds ? "holds" : "lacks") \(floating):\n\(addresses)")
        }
    }
}
