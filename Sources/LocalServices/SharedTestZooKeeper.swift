import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One standalone server shared by every test in a process: PVC_TEST_ZK (a connect string) if
/// set, else started once on first use and stopped when the process exits.
///
/// Most tests only need *a* ZooKeeper and isolate themselves by path, so one JVM per process
/// (about 0.4 s and 55 MB) instead of one per test keeps the suite fast on two cores.
/// PVC_TEST_ZK lets CI or a developer point the suite at a server they already run.
public enum SharedTestZooKeeper {
    public static func connectString() async throws -> String {
        if let external = externalConnectString() {
            return external
        }
        guard let server = try await startOnce() else {
            // Unreachable: startOnce returns nil only when PVC_TEST_ZK is set.
            throw LocalServiceError.invalidArgument("PVC_TEST_ZK changed while the tests ran")
        }
        return server.connectString
    }

    /// The server handle when we started it ourselves (nil when PVC_TEST_ZK was given).
    public static func server() async throws -> ZooKeeperServer? {
        if externalConnectString() != nil {
            return nil
        }
        return try await startOnce()
    }

    private static func externalConnectString() -> String? {
        guard let value = ProcessInfo.processInfo.environment["PVC_TEST_ZK"] else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// Every caller awaits the same task, so concurrent first calls start one server. A failed
    /// start stays cached: the remaining tests fail at once with the same error instead of each
    /// waiting out another startup timeout.
    private static func startOnce() async throws -> ZooKeeperServer? {
        let task = sharedStart.withLock { current -> Task<ZooKeeperServer?, any Error> in
            if let current {
                return current
            }
            let task = Task<ZooKeeperServer?, any Error> {
                let server = try await ZooKeeperServer.start(servers: 1)
                sharedDirectoryAtExit.withLock { $0 = server.directory }
                atexit { stopSharedServerAtExit() }
                return server
            }
            current = task
            return task
        }
        return try await task.value
    }
}

private let sharedStart = Mutex<Task<ZooKeeperServer?, any Error>?>(nil)

/// Read by the exit handler, which as a C function pointer cannot capture anything.
private let sharedDirectoryAtExit = Mutex<String?>(nil)

/// Stops the shared server synchronously at exit (`ExitStop`).
private func stopSharedServerAtExit() {
    guard let directory = sharedDirectoryAtExit.withLock({ value -> String? in
        defer { value = nil }
        return value
    }) else { return }
    ExitStop.run(script: ZooKeeperServer.scriptName, directory: directory)
}
