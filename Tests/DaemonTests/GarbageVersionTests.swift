import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Garbage where the daemon reads the cluster's schema version: it is reported with the key, the
/// version is not overwritten, and the daemon starts once an operator fixes the value.
@Suite(.timeLimit(.minutes(2))) struct GarbageVersionTests {
    @Test func aGarbageSchemaVersionIsReportedNotOverwritten() async throws {
        let cluster = try await TestCluster.make()
        _ = try await cluster.observer.create("/schema/version", data: Array("fifteen".utf8),
                                              mode: .persistent, makeParents: true)
        try await withFleet { fleet in
            let daemon = try fleet.start(name: "hv1", config: cluster.config(node: "hv1"))
            let deadline = ContinuousClock.now + .seconds(15)
            while !daemon.log.contains("/schema/version") && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(daemon.log.contains("/schema/version holds 'fifteen'"), "log:\n\(daemon.log)")
            #expect(await cluster.value("/schema/version") == "fifteen")
            #expect(await daemon.waitForExit(timeout: .zero) == nil, "the daemon exited")

            _ = try await cluster.observer.set("/schema/version", data: Array("15".utf8))
            #expect(await cluster.waitFor("/nodes/hv1/daemonstate", toBe: "run"), "log:\n\(daemon.log)")
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: .seconds(60)) == 0, "log:\n\(daemon.log)")
        }
        await cluster.close()
    }
}
