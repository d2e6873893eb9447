import Foundation
import LocalServices
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A server of its own, so killing it disturbs no other test.
@Suite(.timeLimit(.minutes(2))) struct ServerRestartTests {
    /// ZooKeeper killed and restarted under a running daemon: it keeps running, logs the outage
    /// once rather than once per keepalive, and its keepalives resume.
    @Test func aDaemonRidesOutAServerRestart() async throws {
        let server = try await ZooKeeperServer.start(servers: 1)
        do {
            let cluster = try await TestCluster.make(hosts: server.connectString)
            try await withFleet { fleet in
                let daemon = try fleet.start(name: "hv1", config: cluster.config(node: "hv1"))
                #expect(await cluster.waitFor("/nodes/hv1/daemonstate", toBe: "run"), "log:\n\(daemon.log)")
                let before = Int(await cluster.value("/nodes/hv1/keepalive") ?? "") ?? 0

                // A keepalive may fail on its own before the kill (a 1 s call deadline on a loaded
                // machine): only the outage's lines count.
                let killedAt = daemon.log.count
                try await server.kill(1)
                try await Task.sleep(for: .seconds(4))
                #expect(await daemon.waitForExit(timeout: .zero) == nil, "the daemon died with the server")
                try await server.restart(1)

                let deadline = ContinuousClock.now + .seconds(30)
                var after = before
                while after <= before + 4 && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(250))
                    after = Int(await cluster.value("/nodes/hv1/keepalive") ?? "") ?? 0
                }
                #expect(after > before + 4, "keepalives did not resume; log:\n\(daemon.log)")
                #expect(await cluster.waitFor("/nodes/hv1/daemonstate", toBe: "run"))
                // From the kill until the keepalive recovers or a new session begins (which starts
                // its own count): one line, however many keepalives failed.
                let outage = daemon.log.dropFirst(killedAt)
                let ended = ["keepalive recovered", "ZooKeeper session established"]
                    .compactMap { outage.range(of: $0)?.lowerBound }.min() ?? outage.endIndex
                let failures = outage[..<ended].components(separatedBy: "keepalive failing").count - 1
                #expect(failures <= 1, "the outage was logged \(failures) times:\n\(daemon.log)")
                #expect(daemon.log.contains("keepalive failing"), "the outage was never logged:\n\(daemon.log)")

                daemon.signal(SIGTERM)
                #expect(await daemon.waitForExit(timeout: .seconds(60)) == 0, "log:\n\(daemon.log)")
                #expect(await cluster.value("/nodes/hv1/daemonstate") == "stop")
            }
            await cluster.close()
        } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
    }
}
