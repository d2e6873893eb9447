import ArgumentParser
import LocalServices

/// The ZooKeeper a subcommand talks to: `--zk CONNECT`, or one of its own.
struct ZooKeeperTarget: ParsableArguments {
    @Option(name: .customLong("zk"),
            help: ArgumentHelp("A ZooKeeper connect string (host:port[,host:port...]).",
                               discussion: "Without it, a standalone ZooKeeper is started in a temporary directory and stopped at the end.",
                               valueName: "connect"))
    var connectString: String?

    /// What the JSON reports as `zk`.
    var label: String { connectString ?? "own" }

    func validate() throws {
        if let connectString, connectString.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--zk needs a connect string, e.g. 127.0.0.1:2181")
        }
    }

    /// Runs `body` with a connect string. A server started here is stopped afterwards, also when
    /// `body` throws.
    func withConnectString<T>(_ body: (String) async throws -> T) async throws -> T {
        if let connectString {
            return try await body(connectString)
        }
        Progress.log("starting a standalone ZooKeeper (scripts/zookeeper.sh)")
        let started = ContinuousClock.now
        let server = try await ZooKeeperServer.start()
        Progress.log("ZooKeeper is up at \(server.connectString) after \(Progress.seconds(since: started))")
        let result: T
        do {
            result = try await body(server.connectString)
        } catch {
            do {
                try await server.stop()
            } catch let stopError {
                Progress.log("stopping the ZooKeeper in \(server.directory) failed too: \(stopError)")
            }
            throw error
        }
        try await server.stop()
        Progress.log("ZooKeeper stopped")
        return result
    }
}
