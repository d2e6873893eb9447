import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A ZooKeeper (standalone or ensemble) run by `scripts/zookeeper.sh`, so that tests and the
/// benchmark exercise the same configuration a developer gets from the script by hand, and so
/// that failure injection (kill, freeze, restart) goes through one well-tested place.
///
/// The value is only a handle on the script's directory: copies refer to the same servers, and
/// nothing is stopped implicitly except by the script's owner watcher when this process exits.
public struct ZooKeeperServer: Sendable {
    static let scriptName = "zookeeper.sh"
    /// The script's layout leaves room for ten servers per base port.
    static let maxServers = 10

    /// The DIR given to the script; it holds configs, data, logs and PID files.
    public let directory: String
    /// All servers, in ID order, as a client wants it.
    public let connectString: String
    public let servers: Int
    /// The client port of server 1; server K listens on `basePort + K - 1`.
    public let basePort: Int
    /// The IPv4 address the client ports listen on (the script's `--bind`); peer and election
    /// ports of an ensemble stay on 127.0.0.1.
    public let bindAddress: String
    /// Whether `stop` should delete `directory` (true when `start` made it).
    private let ownsDirectory: Bool

    /// Starts a standalone server (servers == 1) or an ensemble in a new temporary directory
    /// (or `directory`). port nil → the script's `--port 0` (auto), which is what lets parallel
    /// test processes each get their own port range.
    ///
    /// The script is also told to watch this process: if it dies without calling `stop` (a
    /// crashed test), the servers are stopped within about a second instead of leaking, and a
    /// temporary directory made here is removed.
    ///
    /// `bind` is the address the client ports listen on and the connect string names. The
    /// default suits clients on this host; daemons in network namespaces need the host side of
    /// their bridge (`TestNetwork`'s host address), which must already exist when this runs.
    public static func start(
        servers: Int = 1, port: Int? = nil, directory: String? = nil, bind: String = "127.0.0.1"
    ) async throws -> ZooKeeperServer {
        guard (1...maxServers).contains(servers) else {
            throw LocalServiceError.invalidArgument(
                "servers must be between 1 and \(maxServers), got \(servers)")
        }
        if let port, !(1...65535).contains(port) {
            throw LocalServiceError.invalidArgument("port must be between 1 and 65535, got \(port)")
        }
        let service = try ServiceDirectory(directory, prefix: "pvc-zk")
        let dir = service.path
        let owns = service.owned

        let arguments = [
            "start", dir, "--port", String(port ?? 0), "--servers", String(servers),
            "--bind", bind, "--watch", String(getpid()),
        ] + (owns ? ["--watch-remove"] : [])
        let output: ScriptOutput
        do {
            output = try await Script.run(scriptName, arguments)
        } catch {
            // The script cleans up after its own failures, but not when it was killed for
            // taking too long.
            if case LocalServiceError.timedOut = error {
                _ = try? await Script.run(scriptName, ["stop", dir], timeout: 30)
            }
            if owns { try? FileManager.default.removeItem(atPath: dir) }
            throw error
        }

        let command = arguments.joined(separator: " ")
        let connect = output.stdout
            .split(whereSeparator: \.isNewline)
            .last
            .map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        let layout = readLayout(in: dir)
        guard !connect.isEmpty, let layout, layout.servers == servers else {
            _ = try? await Script.run(scriptName, ["stop", dir], timeout: 30)
            if owns { try? FileManager.default.removeItem(atPath: dir) }
            throw LocalServiceError.unexpectedOutput(
                command: "\(scriptName) \(command)", output: output.stdout)
        }
        return ZooKeeperServer(
            directory: dir, connectString: connect, servers: layout.servers,
            basePort: layout.port, bindAddress: bind, ownsDirectory: owns)
    }

    private init(
        directory: String, connectString: String, servers: Int, basePort: Int, bindAddress: String,
        ownsDirectory: Bool
    ) {
        self.directory = directory
        self.connectString = connectString
        self.servers = servers
        self.basePort = basePort
        self.bindAddress = bindAddress
        self.ownsDirectory = ownsDirectory
    }

    /// A connect string naming one server only, for tests that must talk to a particular member
    /// (a follower, the frozen one, the one about to be killed).
    public func connectString(of id: Int) -> String {
        "\(bindAddress):\(basePort + id - 1)"
    }

    /// Stops every server and the watcher; also removes the temporary directory if `start` made
    /// it. Safe to call twice.
    public func stop() async throws {
        _ = try await Script.run(Self.scriptName, ["stop", directory], timeout: 30)
        if ownsDirectory {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    /// SIGKILL, as a crash or power loss would: no clean session close, no final snapshot.
    public func kill(_ id: Int) async throws {
        try await runOnServer("kill", id)
    }

    /// Brings a killed server back with its data; waits until it serves again (or, without a
    /// quorum of live peers, until it at least answers).
    public func restart(_ id: Int) async throws {
        try await runOnServer("restart", id)
    }

    /// SIGSTOP: the process keeps its sockets open but stops answering, which is how a hung or
    /// partitioned server looks to clients and peers (unlike `kill`, connections do not reset).
    public func freeze(_ id: Int) async throws {
        try await runOnServer("freeze", id)
    }

    public func thaw(_ id: Int) async throws {
        try await runOnServer("thaw", id)
    }

    /// The ID of the server whose `srvr` says leader (1 for a standalone server); throws when no
    /// server leads right now, e.g. during an election, so callers that just killed the leader
    /// should retry for a while.
    public func leader() async throws -> Int {
        let output = try await Script.run(Self.scriptName, ["leader", directory])
        let text = output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let id = Int(text), (1...servers).contains(id) else {
            throw LocalServiceError.unexpectedOutput(
                command: "\(Self.scriptName) leader \(directory)", output: output.stdout)
        }
        return id
    }

    /// Sends a four-letter word (e.g. "dump", "srvr", "cons") to server `id` and returns the
    /// reply text.
    ///
    /// Tests use it to check server-side state that no client API shows: `dump` lists sessions
    /// and their ephemeral nodes, `cons` the live connections. The 3 s bound matters for a
    /// frozen server, whose kernel accepts the connection but never answers.
    public func fourLetterWord(_ word: String, server id: Int = 1) async throws -> String {
        try checkID(id)
        guard word.utf8.count == 4, word.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw LocalServiceError.invalidArgument(
                "a four-letter word is four ASCII letters, got \(word.debugDescription)")
        }
        let port = basePort + id - 1
        let host = bindAddress
        return try await OwnThread.run {
            try FourLetterWord.send(word, host: host, port: port, timeout: 3)
        }
    }

    private func runOnServer(_ command: String, _ id: Int) async throws {
        try checkID(id)
        _ = try await Script.run(Self.scriptName, [command, directory, String(id)])
    }

    private func checkID(_ id: Int) throws {
        guard (1...servers).contains(id) else {
            throw LocalServiceError.invalidArgument(
                "server ID must be between 1 and \(servers), got \(id)")
        }
    }

    /// The script's DIR/layout (`servers=N`, `port=P`), the authority on the chosen base port.
    private static func readLayout(in directory: String) -> (servers: Int, port: Int)? {
        let path = (directory as NSString).appendingPathComponent("layout")
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        var servers: Int?
        var port: Int?
        for line in text.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "servers": servers = Int(parts[1])
            case "port": port = Int(parts[1])
            default: break
            }
        }
        guard let servers, let port else { return nil }
        return (servers, port)
    }
}
