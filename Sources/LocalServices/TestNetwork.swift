import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A test network made by `scripts/netns.sh`: a bridge on the host and one network namespace
/// per node, each with eth0 on the bridge, so that tests can move addresses between "hosts"
/// and watch the neighbours follow, or run one daemon per namespace.
///
/// Like `ZooKeeperServer`, a handle on the script's directory. The script is told to watch
/// this process, so a test process that crashes still has its namespaces removed within about
/// a second; a test should still call `down` itself (in a `defer`-like cleanup).
public struct TestNetwork: Sendable {
    static let scriptName = "netns.sh"

    public struct Node: Sendable, Hashable {
        /// 1-based, as the script numbers them.
        public let index: Int
        /// The namespace's name, for `ip netns exec` and `ip -n`.
        public let namespace: String
        /// What `serve`'s listener answers (hv1, hv2, ... unless given).
        public let name: String
        /// eth0's address inside the namespace (prefix length 24).
        public let address: String
        /// Put in front of a command to run it inside this node's namespace.
        public var execPrefix: [String] { ["ip", "netns", "exec", namespace] }
    }

    /// The DIR given to the script; it holds the layout, records and listener logs.
    public let directory: String
    /// The first three octets ("10.251.7"); every address of this network is under it, /24.
    public let subnet: String
    /// The host side of the segment: the bridge and its address (subnet.1), which the
    /// namespaces reach and route through.
    public let bridge: String
    public let hostAddress: String
    public let nodes: [Node]
    private let ownsDirectory: Bool

    /// Namespaces, bridges and veths need root: call at the start of a test that makes a
    /// network, so that a non-root run fails with this message rather than skipping.
    public static func requireRoot() throws {
        let euid = geteuid()
        guard euid == 0 else { throw TestNetworkError.notRoot(euid: euid) }
    }

    /// Makes a network of `nodes` namespaces (1...50) in a new temporary directory (or
    /// `directory`). `names` are the node names the listeners answer with; `subnet` ("A.B.C")
    /// overrides the script's choice of 10.251.T.
    public static func up(
        nodes: Int, names: [String]? = nil, subnet: String? = nil, directory: String? = nil
    ) async throws -> TestNetwork {
        try requireRoot()
        if let names, names.count != nodes {
            throw LocalServiceError.invalidArgument("\(names.count) names given for \(nodes) nodes")
        }
        let service = try ServiceDirectory(directory, prefix: "pvc-netns")
        let dir = service.path
        let owns = service.owned
        var arguments = ["up", dir, String(nodes), "--watch", String(getpid())]
        if let names { arguments += ["--names", names.joined(separator: ",")] }
        if let subnet { arguments += ["--subnet", subnet] }
        let output: ScriptOutput
        do {
            output = try await Script.run(scriptName, arguments, timeout: 60)
        } catch {
            _ = try? await Script.run(scriptName, ["down", dir], timeout: 30)
            if owns { try? FileManager.default.removeItem(atPath: dir) }
            throw error
        }
        guard let network = parse(output.stdout, directory: dir, owns: owns), network.nodes.count == nodes else {
            _ = try? await Script.run(scriptName, ["down", dir], timeout: 30)
            if owns { try? FileManager.default.removeItem(atPath: dir) }
            throw LocalServiceError.unexpectedOutput(
                command: "\(scriptName) \(arguments.joined(separator: " "))", output: output.stdout)
        }
        return network
    }

    /// Removes every namespace, link and listener this network made (and the directory if
    /// `up` made it). Safe to call twice.
    public func down() async throws {
        _ = try await Script.run(Self.scriptName, ["down", directory], timeout: 60)
        if ownsDirectory {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    public func node(_ index: Int) throws -> Node {
        guard (1...nodes.count).contains(index) else {
            throw TestNetworkError.noSuchNode(index, nodes: nodes.count)
        }
        return nodes[index - 1]
    }

    /// An address on the segment that no node has, for floating addresses: `host` is the
    /// last octet, 100...254 (the script gives nodes .11 upwards).
    public func spareAddress(_ host: Int = 250) -> String {
        "\(subnet).\(host)"
    }

    /// Runs `command` inside node `index`'s namespace; returns its stdout, throws with its
    /// stderr when it fails.
    @discardableResult
    public func exec(_ index: Int, _ command: [String], timeout: Double = 30) async throws -> String {
        _ = try node(index)
        let output = try await Script.run(
            Self.scriptName, ["exec", directory, String(index)] + command, timeout: timeout)
        return output.stdout
    }

    /// Starts a TCP listener in node `index`'s namespace on `port` (all addresses) that writes
    /// the node's name and a newline to each connection and closes it; returns once it
    /// listens. `down` kills it.
    @discardableResult
    public func serve(_ index: Int, port: Int) async throws -> pid_t {
        _ = try node(index)
        let output = try await Script.run(
            Self.scriptName, ["serve", directory, String(index), String(port)], timeout: 30)
        let text = output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let pid = pid_t(text) else {
            throw LocalServiceError.unexpectedOutput(
                command: "\(Self.scriptName) serve \(directory) \(index) \(port)", output: output.stdout)
        }
        return pid
    }

    /// Connects from the host (through the bridge) to `address`:`port` and returns the name the
    /// listener there printed, i.e. which node holds `address` right now as the host's
    /// neighbour table sees it. Throws `TestNetworkError.noAnswer` when nothing answers in time.
    public func whoAnswers(address: String, port: Int, timeout: Double = 3) async throws -> String {
        do {
            let reply = try await OwnThread.run {
                // An empty "word": connect, send nothing, read until the listener closes.
                try FourLetterWord.send("", host: address, port: port, timeout: timeout)
            }
            return reply.trimmingCharacters(in: .whitespacesAndNewlines)
        } catch let LocalServiceError.fourLetterWordFailed(_, _, reason) {
            throw TestNetworkError.noAnswer(address: address, port: port, reason: reason)
        }
    }

    private init(
        directory: String, subnet: String, bridge: String, hostAddress: String, nodes: [Node],
        ownsDirectory: Bool
    ) {
        self.directory = directory
        self.subnet = subnet
        self.bridge = bridge
        self.hostAddress = hostAddress
        self.nodes = nodes
        self.ownsDirectory = ownsDirectory
    }

    /// The script's KEY=VALUE layout (see netns.sh's header).
    private static func parse(_ text: String, directory: String, owns: Bool) -> TestNetwork? {
        var values: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { values[parts[0]] = parts[1] }
        }
        guard let subnet = values["subnet"], let bridge = values["bridge"],
              let host = values["host"], let count = values["nodes"].flatMap(Int.init), count >= 1
        else { return nil }
        var nodes: [Node] = []
        for index in 1...count {
            guard let namespace = values["ns\(index)"], let name = values["name\(index)"],
                  let address = values["address\(index)"]
            else { return nil }
            nodes.append(Node(index: index, namespace: namespace, name: name, address: address))
        }
        return TestNetwork(
            directory: directory, subnet: subnet, bridge: bridge, hostAddress: host, nodes: nodes,
            ownsDirectory: owns)
    }
}
