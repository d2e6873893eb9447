import LocalServices
import Testing

/// `ZooKeeperServer.start(bind:)` as cluster tests use it: ZooKeeper on the host side of a
/// `TestNetwork` bridge, reached from inside a namespace. Needs root (namespaces); without it
/// the test fails with `TestNetworkError.notRoot` rather than skipping, as the namespace tests do.
@Suite(.serialized, .timeLimit(.minutes(2))) struct BindAddressTests {
    @Test func aNamespaceReachesZooKeeperOnTheBridgeAddress() async throws {
        let net = try await TestNetwork.up(nodes: 1)
        do {
            let server = try await ZooKeeperServer.start(bind: net.hostAddress)
            do {
                #expect(server.bindAddress == net.hostAddress)
                #expect(server.connectString == "\(net.hostAddress):\(server.basePort)")
                #expect(server.connectString(of: 1) == server.connectString)
                let reply = try await net.exec(
                    1, ["bash", "-c", "echo ruok | nc -q1 \(net.hostAddress) \(server.basePort)"])
                #expect(reply == "imok")
                // The handle's own four-letter words go to the bound address too.
                #expect(try await server.fourLetterWord("ruok") == "imok")
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
}
