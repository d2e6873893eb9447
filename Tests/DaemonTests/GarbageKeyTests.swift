import ClusterSchema
import Coordination
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Garbage in every key the daemon reads — `/schema/version` (at startup and through its watch),
/// `/schema/migrated`, peers' `/nodes/N/latestschema`, the node's own keys — as a non-numeric
/// string, invalid UTF-8, a value just under the size limit, and a deleted key: no daemon crashes,
/// a log line names the key, nothing is overwritten on a guess, keepalives go on where they can,
/// and once the garbage is repaired the daemons are (back) in `run`.
@Suite(.timeLimit(.minutes(3))) struct GarbageKeyTests {
    enum Garbage: CaseIterable, CustomStringConvertible {
        case nonNumeric, invalidUTF8, huge, deleted

        /// The bytes to write, nil: delete the key.
        var bytes: [UInt8]? {
            switch self {
            case .nonNumeric: return Array("fifteen and a half".utf8)
            case .invalidUTF8: return [0xff, 0xfe]
            case .huge: return [UInt8](repeating: UInt8(ascii: "9"), count: CoordinationLimits.maxDataSize - 16)
            case .deleted: return nil
            }
        }

        var description: String {
            switch self {
            case .nonNumeric: return "non-numeric"
            case .invalidUTF8: return "invalid UTF-8"
            case .huge: return "~1 MiB"
            case .deleted: return "deleted"
            }
        }
    }

    /// Writes `garbage` to `path` (creating it), or deletes it.
    static func write(_ garbage: Garbage, to path: String, in cluster: TestCluster) async throws {
        guard let bytes = garbage.bytes else {
            try await cluster.observer.delete(path)
            return
        }
        if try await cluster.observer.exists(path) != nil {
            _ = try await cluster.observer.set(path, data: bytes)
        } else {
            _ = try await cluster.observer.create(path, data: bytes, mode: .persistent, makeParents: true)
        }
    }

    static func put(_ value: String, at path: String, in cluster: TestCluster) async throws {
        if try await cluster.observer.exists(path) != nil {
            _ = try await cluster.observer.set(path, data: Array(value.utf8))
        } else {
            _ = try await cluster.observer.create(path, data: Array(value.utf8), mode: .persistent, makeParents: true)
        }
    }

    static func raw(_ path: String, in cluster: TestCluster) async -> [UInt8]? {
        try? await cluster.observer.get(path).data
    }

    /// The log's size in bytes, to look only at what comes after.
    static func logSize(_ daemon: DaemonProcess) -> Int {
        FileManager.default.contents(atPath: daemon.logPath)?.count ?? 0
    }

    /// The log from byte `offset` on, decoded leniently.
    static func log(_ daemon: DaemonProcess, from offset: Int = 0) -> String {
        let data = FileManager.default.contents(atPath: daemon.logPath) ?? Data()
        return String(decoding: data.dropFirst(offset), as: UTF8.self)
    }

    static func waitForLog(_ daemon: DaemonProcess, _ text: String, from offset: Int = 0,
                           timeout: Duration = .seconds(15)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if log(daemon, from: offset).contains(text) { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    static func isAlive(_ daemon: DaemonProcess) async -> Bool {
        await daemon.waitForExit(timeout: .zero) == nil
    }

    /// True if the node's keepalive moves within `timeout` (one-second keepalives; the bound is
    /// wide for a CI machine running every suite at once on two cores).
    static func keepaliveMoves(_ node: String, in cluster: TestCluster, timeout: Duration = .seconds(20)) async -> Bool {
        let path = "/nodes/\(node)/keepalive"
        let before = await cluster.value(path)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let now = await cluster.value(path), now != before, Int(now) != nil { return true }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    static func stop(_ daemon: DaemonProcess) async {
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit(timeout: .seconds(60)) == 0, "\(daemon.name) log:\n\(log(daemon))")
    }

    // MARK: - /schema/version under three live daemons (the watch)

    @Test func garbageClusterVersionUnderThreeLiveDaemons() async throws {
        let cluster = try await TestCluster.make()
        try await withFleet { fleet in
            let daemons = try ["hv1", "hv2", "hv3"].map { try fleet.start(name: $0, config: cluster.config(node: $0)) }
            for daemon in daemons {
                #expect(await cluster.waitFor("/nodes/\(daemon.name)/daemonstate", toBe: "run"),
                        "\(daemon.name) log:\n\(Self.log(daemon))")
            }
            for garbage in Garbage.allCases {
                let offsets = daemons.map(Self.logSize)
                try await Self.write(garbage, to: "/schema/version", in: cluster)
                for (daemon, offset) in zip(daemons, offsets) {
                    #expect(await Self.waitForLog(daemon, "path=/schema/version", from: offset),
                            "\(garbage): \(daemon.name) log:\n\(Self.log(daemon, from: offset))")
                }
                // Not replaced on a guess, nobody crashed, keepalives go on.
                #expect(await Self.raw("/schema/version", in: cluster) == garbage.bytes, "\(garbage)")
                for daemon in daemons {
                    #expect(await Self.isAlive(daemon), "\(garbage): \(daemon.name) exited:\n\(Self.log(daemon))")
                    #expect(await Self.keepaliveMoves(daemon.name, in: cluster), "\(garbage): \(daemon.name)")
                    #expect(!Self.log(daemon).contains("re-executing"), "\(garbage): \(daemon.name)")
                }
                try await Self.put("15", at: "/schema/version", in: cluster)
                for daemon in daemons {
                    #expect(await cluster.value("/nodes/\(daemon.name)/daemonstate") == "run", "\(garbage)")
                    #expect(await Self.keepaliveMoves(daemon.name, in: cluster), "\(garbage): \(daemon.name)")
                }
            }
            for daemon in daemons { await Self.stop(daemon) }
        }
        await cluster.close()
    }

    // MARK: - /schema/version before the daemon starts (startup validation)

    @Test func garbageClusterVersionBeforeStart() async throws {
        let cluster = try await TestCluster.make()
        try await SchemaCatalog.bundled().schema(15).apply(to: cluster.observer)
        try await withFleet { fleet in
            // A registered node, so the tree is a cluster's: a deleted version must not be re-initialised.
            let first = try fleet.start(name: "hv1", config: cluster.config(node: "hv1"))
            #expect(await cluster.waitFor("/nodes/hv1/daemonstate", toBe: "run"), "log:\n\(Self.log(first))")
            await Self.stop(first)
            for garbage in Garbage.allCases {
                try await Self.write(garbage, to: "/schema/version", in: cluster)
                let daemon = try fleet.start(name: "hv1", config: cluster.config(node: "hv1"))
                #expect(await Self.waitForLog(daemon, "/schema/version"), "\(garbage): log:\n\(Self.log(daemon))")
                try await Task.sleep(for: .milliseconds(500))
                #expect(await Self.isAlive(daemon), "\(garbage): exited:\n\(Self.log(daemon))")
                #expect(await Self.raw("/schema/version", in: cluster) == garbage.bytes, "\(garbage)")
                #expect(await cluster.value("/nodes/hv1/daemonstate") == "stop", "\(garbage)")
                try await Self.put("15", at: "/schema/version", in: cluster)
                #expect(await cluster.waitFor("/nodes/hv1/daemonstate", toBe: "run", timeout: .seconds(20)),
                        "\(garbage): log:\n\(Self.log(daemon))")
                await Self.stop(daemon)
            }
        }
        await cluster.close()
    }

    // MARK: - /schema/migrated (the record of the tree's version)

    @Test func garbageMigrationRecordBeforeStart() async throws {
        let cluster = try await TestCluster.make()
        try await SchemaCatalog.bundled().schema(15).apply(to: cluster.observer)
        try await withFleet { fleet in
            for garbage in Garbage.allCases {
                try? await Self.write(garbage, to: "/schema/migrated", in: cluster)
                let daemon = try fleet.start(name: "hv1", config: cluster.config(node: "hv1"))
                #expect(await cluster.waitFor("/nodes/hv1/daemonstate", toBe: "run"), "\(garbage): log:\n\(Self.log(daemon))")
                if garbage != .deleted {
                    #expect(Self.log(daemon).contains("path=/schema/migrated"), "\(garbage): log:\n\(Self.log(daemon))")
                }
                // Startup validation just validated the tree at 15 under the write lock: that is
                // what it records, and the cluster's version is untouched.
                #expect(await cluster.value("/schema/migrated") == "15", "\(garbage)")
                #expect(await cluster.value("/schema/version") == "15", "\(garbage)")
                await Self.stop(daemon)
            }
        }
        await cluster.close()
    }

    // MARK: - peers' /nodes/N/latestschema (the schema agreement)

    @Test func garbagePeerLatestSchema() async throws {
        let cluster = try await TestCluster.make()
        try await SchemaCatalog.bundled().schema(14).apply(to: cluster.observer)
        let peers: [(String, Garbage)] = [("hv5", .nonNumeric), ("hv6", .invalidUTF8), ("hv7", .huge), ("hv8", .deleted)]
        for (peer, garbage) in peers {
            _ = try await cluster.observer.create("/nodes/\(peer)", data: Array("hypervisor".utf8), mode: .persistent)
            if garbage != .deleted {
                try await Self.write(garbage, to: "/nodes/\(peer)/latestschema", in: cluster)
            }
        }
        try await withFleet { fleet in
            let daemon = try fleet.start(name: "hv1", config: cluster.config(node: "hv1"))
            #expect(await cluster.waitFor("/nodes/hv1/daemonstate", toBe: "run"), "log:\n\(Self.log(daemon))")
            for (peer, garbage) in peers {
                #expect(await Self.waitForLog(daemon, "path=/nodes/\(peer)/latestschema"),
                        "\(garbage): log:\n\(Self.log(daemon))")
            }
            #expect(Self.log(daemon).contains("not raising the schema version"), "log:\n\(Self.log(daemon))")
            // Garbage blocks the raise: no upgrade on a guess.
            #expect(await cluster.value("/schema/version") == "14")
            #expect(await Self.isAlive(daemon), "exited:\n\(Self.log(daemon))")
            #expect(await Self.keepaliveMoves("hv1", in: cluster))
            await Self.stop(daemon)

            // Repaired: every peer knows 15, so the restarted node raises the cluster and upgrades.
            for (peer, _) in peers { try await Self.put("15", at: "/nodes/\(peer)/latestschema", in: cluster) }
            let again = try fleet.start(name: "hv1", config: cluster.config(node: "hv1"))
            #expect(await cluster.waitFor("/schema/version", toBe: "15", timeout: .seconds(20)), "log:\n\(Self.log(again))")
            #expect(await cluster.waitFor("/nodes/hv1/activeschema", toBe: "15", timeout: .seconds(20)),
                    "log:\n\(Self.log(again))")
            // Run again after the re-execution, not the run from before it: a SIGTERM sent while
            // the process is replacing itself meets the default action (noted for the daemon).
            #expect(await Self.waitForLog(again, "reexecutions=1", timeout: .seconds(20)), "log:\n\(Self.log(again))")
            let reexecuted = Self.log(again).range(of: "reexecutions=1").map {
                Self.log(again)[..<$0.lowerBound].utf8.count
            } ?? 0
            #expect(await Self.waitForLog(again, "daemon state run", from: reexecuted, timeout: .seconds(20)))
            #expect(await cluster.waitFor("/nodes/hv1/daemonstate", toBe: "run"), "log:\n\(Self.log(again))")
            await Self.stop(again)
        }
        await cluster.close()
    }

    // MARK: - the node's own keys (registration's exists check, keepalive writes)

    @Test func garbageInTheNodesOwnKeys() async throws {
        let cluster = try await TestCluster.make()
        try await withFleet { fleet in
            var daemon = try fleet.start(name: "hv1", config: cluster.config(node: "hv1"))
            #expect(await cluster.waitFor("/nodes/hv1/daemonstate", toBe: "run"), "log:\n\(Self.log(daemon))")
            await Self.stop(daemon)
            // Garbage in the node's root before start: registration only asks whether it exists.
            for garbage in [Garbage.nonNumeric, .invalidUTF8, .huge] {
                try await Self.write(garbage, to: "/nodes/hv1", in: cluster)
                daemon = try fleet.start(name: "hv1", config: cluster.config(node: "hv1"))
                #expect(await cluster.waitFor("/nodes/hv1/daemonstate", toBe: "run"), "\(garbage): log:\n\(Self.log(daemon))")
                #expect(await cluster.value("/nodes/hv1") == "coordinator", "\(garbage)")
                await Self.stop(daemon)
            }
            // A key the keepalive writes deleted under the running daemon: the failing write names
            // it, the daemon stays up, and the keepalive recovers once the key is back.
            daemon = try fleet.start(name: "hv1", config: cluster.config(node: "hv1"))
            #expect(await cluster.waitFor("/nodes/hv1/daemonstate", toBe: "run"), "log:\n\(Self.log(daemon))")
            let offset = Self.logSize(daemon)
            try await cluster.observer.delete("/nodes/hv1/keepalive")
            #expect(await Self.waitForLog(daemon, "/nodes/hv1/keepalive", from: offset),
                    "log:\n\(Self.log(daemon, from: offset))")
            try await Task.sleep(for: .seconds(1))
            #expect(await Self.isAlive(daemon), "exited:\n\(Self.log(daemon))")
            #expect(await cluster.value("/nodes/hv1/keepalive") == nil, "recreated on a guess")
            try await Self.put("0", at: "/nodes/hv1/keepalive", in: cluster)
            #expect(await Self.waitForLog(daemon, "keepalive recovered", from: offset), "log:\n\(Self.log(daemon, from: offset))")
            #expect(await Self.keepaliveMoves("hv1", in: cluster))
            #expect(await cluster.value("/nodes/hv1/daemonstate") == "run")
            await Self.stop(daemon)
        }
        await cluster.close()
    }
}
