import Coordination
import Foundation
import Synchronization
import LocalServices
import Testing
import ZooKeeper

/// Sessions on the shared test server, each test under a root of its own.
enum TestSessions {
    static func configuration(hosts: String? = nil, sessionTimeout: Duration = .seconds(4),
                              callTimeout: Duration = .seconds(5)) async throws -> ZooKeeperClient.Configuration {
        let resolved: String
        if let hosts {
            resolved = hosts
        } else {
            resolved = try await SharedTestZooKeeper.connectString()
        }
        var configuration = ZooKeeperClient.Configuration(hosts: resolved)
        configuration.sessionTimeout = sessionTimeout
        configuration.callTimeout = callTimeout
        configuration.connectTimeout = .seconds(20)
        return configuration
    }

    static func connect(hosts: String? = nil, sessionTimeout: Duration = .seconds(4),
                        callTimeout: Duration = .seconds(5)) async throws -> ZooKeeperClient {
        try await ZooKeeperClient.connect(configuration(hosts: hosts, sessionTimeout: sessionTimeout,
                                                        callTimeout: callTimeout))
    }

    static func uniqueRoot(_ name: String) -> String {
        "/zk-\(name)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Waits, at most `timeout`, for `store` to report `state`; the states seen on the way are
    /// returned (ending with `state` if it was reached).
    static func waitForState(_ state: SessionState, of store: any CoordinationStore,
                             timeout: Duration = .seconds(20)) async -> [SessionState] {
        let states = store.sessionStates()
        // Kept outside the reader, so that a wait that times out still reports what it saw.
        let seen = Tally<SessionState>()
        _ = await withDeadline(timeout) {
            for await next in states {
                seen.add(next)
                if next == state { return }
            }
        }
        return seen.all
    }
}

/// Runs `body` with the clients and closes them however it ends (Swift has no async defer).
func withClients<T>(_ clients: [ZooKeeperClient], _ body: () async throws -> T) async throws -> T {
    do {
        let result = try await body()
        for client in clients { await client.close() }
        return result
    } catch {
        for client in clients { await client.close() }
        throw error
    }
}

/// Runs `body` with a server of its own and stops it however it ends.
func withServer<T>(servers: Int = 1, _ body: (ZooKeeperServer) async throws -> T) async throws -> T {
    let server = try await ZooKeeperServer.start(servers: servers)
    do {
        let result = try await body(server)
        try await server.stop()
        return result
    } catch {
        try? await server.stop()
        throw error
    }
}

/// Results gathered from concurrent tasks.
final class Tally<Item: Sendable>: Sendable {
    private let items = Mutex<[Item]>([])

    func add(_ item: Item) {
        items.withLock { $0.append(item) }
    }

    var all: [Item] { items.withLock { $0 } }
}
