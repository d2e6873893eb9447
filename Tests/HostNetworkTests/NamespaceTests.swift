import HostNetwork
import LocalServices
import Logging
import Testing

/// `IPRoute2Network` acting as nodes inside the namespaces of a `TestNetwork`, with the test
/// process on the host side of the bridge as the neighbour that must follow the address.
/// Needs root: without it each test fails with `TestNetworkError.notRoot` rather than skipping.
@Suite("IPRoute2Network in network namespaces", .serialized, .timeLimit(.minutes(2)))
struct NamespaceTests {
    static let port = 7100

    @Test func handoverMovesTheAddressAndTheHostFollows() async throws {
        try await withNetwork(nodes: 2) { net in
            try await net.serve(1, port: Self.port)
            try await net.serve(2, port: Self.port)
            let floating = try FloatingAddress(parsing: net.spareAddress(250) + "/24", device: "eth0")
            let hv1 = try node(net, 1)
            let hv2 = try node(net, 2)

            try await hv1.add(floating)
            #expect(try await net.whoAnswers(address: floating.address, port: Self.port) == "hv1")
            #expect(try await hostNeighbour(floating.address, on: net.bridge) == (try await mac(net, 1)))

            // The new primary adds before the old one removes. Only its gratuitous ARP moves the
            // host's neighbour entry (still fresh and pointing at hv1): no cache is flushed here.
            try await hv2.add(floating)
            #expect(try await hostNeighbour(floating.address, on: net.bridge) == (try await mac(net, 2)))
            try await hv1.remove(floating)
            #expect(try await net.whoAnswers(address: floating.address, port: Self.port) == "hv2")

            #expect(!(try await hv1.addresses(on: "eth0")).contains(floating))
            #expect((try await hv2.addresses(on: "eth0")).contains(floating))
        }
    }

    @Test func addTwiceAndRemoveAbsentAreFine() async throws {
        try await withNetwork(nodes: 1) { net in
            let floating = try FloatingAddress(parsing: net.spareAddress(251) + "/24", device: "eth0")
            let hv1 = try node(net, 1)

            try await hv1.remove(floating)
            try await hv1.add(floating)
            try await hv1.add(floating)
            let listed = try await hv1.addresses(on: "eth0")
            #expect(listed.filter { $0 == floating }.count == 1)

            try await hv1.remove(floating)
            try await hv1.remove(floating)
            #expect(!(try await hv1.addresses(on: "eth0")).contains(floating))
        }
    }

    @Test func addressesListsWhatIsThere() async throws {
        try await withNetwork(nodes: 1) { net in
            let hv1 = try node(net, 1)
            let own = try FloatingAddress(parsing: try net.node(1).address + "/24", device: "eth0")
            let v4 = try FloatingAddress(parsing: net.spareAddress(252) + "/24", device: "eth0")
            let v6 = try FloatingAddress(parsing: "fd51:0:0::252/64", device: "eth0")

            #expect(try await hv1.addresses(on: "eth0").filter { $0.family == .ipv4 } == [own])
            try await hv1.add(v4)
            // IPv6 is added without an announcement (see IPRoute2Network).
            try await hv1.add(v6)
            let listed = try await hv1.addresses(on: "eth0")
            #expect(listed.filter { $0.family == .ipv4 } == [own, v4])
            #expect(listed.contains(v6))
            #expect(listed.contains { $0.address.hasPrefix("fe80:") })

            try await hv1.remove(v6)
            try await hv1.remove(v4)
            #expect(try await hv1.addresses(on: "eth0").filter { $0.prefixLength != 64 } == [own])
        }
    }

    @Test func failuresCarryTheCommandsStderr() async throws {
        try await withNetwork(nodes: 1) { net in
            let hv1 = try node(net, 1)
            let listing = await #expect(throws: HostNetworkError.self) {
                try await hv1.addresses(on: "nosuch0")
            }
            guard case let .command(.failed(_, _, stderr))? = listing else {
                Issue.record("expected a failed command, got \(String(describing: listing))")
                return
            }
            #expect(stderr.contains("does not exist"))

            let floating = try FloatingAddress(parsing: net.spareAddress(253) + "/24", device: "nosuch0")
            let adding = await #expect(throws: HostNetworkError.self) { try await hv1.add(floating) }
            guard case let .command(.failed(command, _, addStderr))? = adding else {
                Issue.record("expected a failed command, got \(String(describing: adding))")
                return
            }
            #expect(command.contains("add"))
            #expect(!addStderr.isEmpty)
        }
    }

    @Test func commandsAreBounded() async throws {
        try await withNetwork(nodes: 1) { net in
            // A prefix that hangs stands in for a wedged `ip`.
            let stuck = IPRoute2Network(
                runner: CommandRunner(prefix: ["sh", "-c", "sleep 600", "--"], defaultTimeout: .milliseconds(300)),
                logger: Logger(label: "test"))
            let floating = try FloatingAddress(parsing: net.spareAddress(254) + "/24", device: "eth0")
            let started = ContinuousClock.now
            let error = await #expect(throws: HostNetworkError.self) { try await stuck.add(floating) }
            guard case let .command(.timedOut(_, after))? = error else {
                Issue.record("expected a timeout, got \(String(describing: error))")
                return
            }
            #expect(after == .milliseconds(300))
            // Far below the 600 s the stuck command would take, however loaded the machine.
            #expect(ContinuousClock.now - started < .seconds(300))
        }
    }
}

/// The test network for the length of `body`, removed however `body` ends.
func withNetwork(nodes: Int, _ body: (TestNetwork) async throws -> Void) async throws {
    let net = try await TestNetwork.up(nodes: nodes)
    do {
        try await body(net)
    } catch {
        try? await net.down()
        throw error
    }
    try await net.down()
}

/// Node `index` as the daemon inside that namespace would see its host.
func node(_ net: TestNetwork, _ index: Int) throws -> IPRoute2Network {
    var logger = Logger(label: "pvc.hostnetwork.\(try net.node(index).name)")
    logger.logLevel = .info
    return IPRoute2Network(runner: CommandRunner(prefix: try net.node(index).execPrefix), logger: logger)
}

/// The MAC address of node `index`'s eth0.
func mac(_ net: TestNetwork, _ index: Int) async throws -> String {
    let output = try await CommandRunner(prefix: try net.node(index).execPrefix)
        .run(["ip", "-o", "link", "show", "eth0"])
    return word(after: "link/ether", in: output.stdout) ?? "none"
}

/// The link-layer address the host's neighbour table holds for `address` ("none" if none).
func hostNeighbour(_ address: String, on device: String) async throws -> String {
    let output = try await CommandRunner().run(["ip", "neigh", "show", "to", address, "dev", device])
    return word(after: "lladdr", in: output.stdout) ?? "none: \(output.stdout)"
}

private func word(after marker: String, in text: String) -> String? {
    let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
    guard let index = words.firstIndex(where: { $0 == marker }), index + 1 < words.count else { return nil }
    return String(words[index + 1])
}
