import ArgumentParser
import Coordination
import Foundation
import Logging
import ZooKeeper

enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case table
    case json
}

/// Options every command takes: where the cluster is, how to print, how long to wait.
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("zk"),
            help: ArgumentHelp(
                "ZooKeeper connect string, host:port[,host:port...][/chroot] (default: from --config, else $PVC_ZK, "
                    + "else from $PVC_CONFIG_FILE or /etc/pvc/pvc.conf)."))
    var zk: String?

    @Option(name: .customLong("config"),
            help: ArgumentHelp(
                "The node's pvcnoded config file, for the ZooKeeper connect string and the node's name when they are "
                    + "not given (default: $PVC_CONFIG_FILE, else /etc/pvc/pvc.conf if it exists).",
                valueName: "file"))
    var config: String?

    // A test hook: tests cannot create /etc/pvc/pvc.conf, so they name a stand-in for it.
    @Option(name: .customLong("standard-config"), help: .hidden)
    var standardConfig: String = LocalNodeDefaults.standardConfigFile

    @Option(help: "Output format: table or json.")
    var format: OutputFormat = .table

    // Optional rather than defaulted: `node primary|secondary --wait` also bound their wait with
    // it and need to know whether it was given (their default is 30 s, not 5 s).
    @Option(help: ArgumentHelp(
        "Seconds to wait for the connection, and for each ZooKeeper call (default: 5); with --wait, also how long to wait (default: 30).",
        valueName: "seconds"))
    var timeout: Double?

    func validate() throws {
        if let timeout {
            guard timeout.isFinite, timeout > 0, timeout <= 3600 else {
                throw ValidationError("--timeout must be a number of seconds between 0 and 3600")
            }
        }
    }

    /// The connection's and each call's limit, in seconds.
    var callTimeout: Double { timeout ?? 5 }

    /// What fills in the cluster and the node where the command line leaves them out.
    func defaults(environment: [String: String] = ProcessInfo.processInfo.environment) -> LocalNodeDefaults {
        LocalNodeDefaults(configFlag: config, environment: environment, standardFile: standardConfig,
                          fileExists: { FileManager.default.fileExists(atPath: $0) })
    }

    /// The node a node command acts on: NAME, else this node's, from its config file (read only then).
    func nodeName(_ name: String?) throws -> String {
        switch try defaults().nodeName(name) {
        case .given(let name): return name
        case .configFile(let file): return try LocalNodeConfig.load(file).nodeName
        }
    }

    /// The client configuration, and the config file the connect string came from if it came from one (the
    /// operator may not know that pvcctl read one).
    func connection(environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> (configuration: ZooKeeperClient.Configuration, file: String?) {
        let (hosts, chroot): (String, String?)
        let file: String?
        switch try defaults(environment: environment).connectString(zk: zk) {
        case .given(let text):
            (hosts, chroot) = try ConnectString.split(text)
            file = nil
        case .configFile(let path):
            let text = try LocalNodeConfig.load(path).connectString
            do {
                (hosts, chroot) = try ConnectString.split(text)
            } catch {
                throw CtlError("config file \(path): \(error)")
            }
            // An empty `database.zookeeper.connect` would otherwise pass the split and fail as a connection.
            guard !hosts.isEmpty else {
                throw CtlError("config file \(path): database.zookeeper.connect names no ZooKeeper host")
            }
            file = path
        }
        var configuration = ZooKeeperClient.Configuration(hosts: hosts, chroot: chroot)
        let limit = Duration.milliseconds(Int64(callTimeout * 1000))
        configuration.connectTimeout = limit
        configuration.callTimeout = limit
        configuration.sessionTimeout = max(limit * 2, .seconds(4))
        // The client's own log lines would mix with our output and errors: only what is critical.
        configuration.logger.logLevel = .critical
        configuration.libraryLogLevel = .critical
        return (configuration, file)
    }

    var lockTimeout: Duration { .milliseconds(Int64(callTimeout * 2000)) }
}

enum ConnectString {
    /// "h1:2181,h2:2181/pvc/a" → ("h1:2181,h2:2181", "/pvc/a"); no chroot, or "/", gives nil.
    static func split(_ text: String) throws -> (hosts: String, chroot: String?) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let slash = trimmed.firstIndex(of: "/") else { return (trimmed, nil) }
        let hosts = String(trimmed[..<slash])
        var chroot = String(trimmed[slash...])
        guard !hosts.isEmpty else { throw CtlError("'\(text)' names no ZooKeeper host") }
        if chroot == "/" { return (hosts, nil) }
        if chroot.hasSuffix("/") { chroot.removeLast() }
        do {
            try PathRules.validate(chroot)
        } catch {
            throw CtlError("'\(chroot)' in '\(text)' is not a valid chroot path")
        }
        return (hosts, chroot)
    }
}

/// An error shown to the operator as one line.
struct CtlError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Connects, runs `body`, and closes the session whatever happens. Store errors become one line
/// that says what failed and where.
func withStore<T: Sendable>(_ options: GlobalOptions,
                            _ body: (any CoordinationStore) async throws -> T) async throws -> T {
    quietLogging()
    let (configuration, file) = try options.connection()
    let where_ = configuration.hosts + (configuration.chroot ?? "") + (file.map { " (from \($0))" } ?? "")
    let client: ZooKeeperClient
    do {
        client = try await ZooKeeperClient.connect(configuration)
    } catch let error as CoordinationError {
        throw CtlError("cannot connect to ZooKeeper at \(where_): \(error)")
    }
    do {
        let result = try await body(client)
        await client.close()
        return result
    } catch let error as CoordinationError {
        await client.close()
        throw CtlError("ZooKeeper at \(where_): \(error)")
    } catch {
        await client.close()
        throw error
    }
}

/// The ZooKeeper client and its C library log through swift-log to stderr; a command line tool
/// reports its own errors in one line, so only critical log lines get through.
private let quietLoggingOnce: Void = {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = .critical
        return handler
    }
}()

func quietLogging() {
    quietLoggingOnce
}
