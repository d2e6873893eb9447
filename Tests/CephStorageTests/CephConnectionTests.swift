import CephStorage
import Foundation
import LocalServices
import Testing

/// Against a real single-host Ceph (SharedTestCeph). Serialized: two cores, one cluster.
@Suite(.serialized) struct CephConnectionTests {
    static func connect(_ cluster: CephCluster, options: [String: String] = [:]) async throws -> CephConnection {
        try await CephConnection.connect(CephClientSettings(
            configFile: cluster.configFile, keyringFile: cluster.keyringFile, options: options))
    }

    static func uniqueImage(_ prefix: String) -> RBDImage {
        RBDImage(pool: "rbd", name: "\(prefix)-\(UInt32.random(in: 0...UInt32.max))")
    }

    /// Polls `condition` until it holds or `seconds` pass.
    static func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return try await condition()
    }

    /// The script's status names the three daemons up with their memory, and the start figure;
    /// printed, so a CI log shows what a single-host Ceph costs there.
    @Test func statusReportsEachDaemonUpWithItsMemory() async throws {
        let cluster = try await SharedTestCeph.cluster()
        let status = try await cluster.status()
        print("ceph.sh status:\n\(status)")
        for daemon in ["mon", "mgr", "osd"] {
            let line = status.split(separator: "\n").first { $0.hasPrefix("\(daemon) ") }
            let fields = line?.split(separator: " ") ?? []
            #expect(fields.count == 4 && fields[2] == "up", "\(daemon): \(line ?? "missing")")
            #expect((fields.last.flatMap { Int($0.dropLast(2)) } ?? 0) > 0, "\(daemon) RSS: \(line ?? "missing")")
        }
        #expect(status.contains("ready in "), "\(status)")
    }

    @Test func connectToClosedPortTimesOut() async throws {
        let start = ContinuousClock.now
        let settings = CephClientSettings(
            keyringFile: "/nonexistent/keyring", monitorHosts: ["127.0.0.1:9"], mountTimeout: .seconds(2))
        do {
            _ = try await CephConnection.connect(settings)
            Issue.record("connected to a closed port")
        } catch {
            #expect(error.isTimeout || error.code < 0, "\(error)")
            #expect(error.operation == "rados_connect", "\(error)")
        }
        #expect(ContinuousClock.now - start < .seconds(30))
    }

    @Test func lockersShowLockAndBreakRemovesIt() async throws {
        let cluster = try await SharedTestCeph.cluster()
        let image = Self.uniqueImage("lock")
        _ = try await cluster.rbd(["create", "--size", "16M", image.description])
        _ = try await cluster.rbd(["lock", "add", image.description, "node2-cookie"])
        let connection = try await Self.connect(cluster)
        defer { Task { await connection.close() } }

        let locks = try await connection.lockers(of: image)
        #expect(locks.exclusive)
        #expect(locks.lockers.count == 1)
        let locker = try #require(locks.lockers.first)
        #expect(locker.cookie == "node2-cookie")
        #expect(locker.client.hasPrefix("client."))
        // Every client on this host presents 127.0.0.1 (a client learns its address from what the
        // mon sees; see scripts/ceph.sh), so the holder's host is ours: what a node compares with
        // its storage address.
        let ownAddress = try await connection.clientAddress
        #expect(locker.host == RBDLocker(client: "", cookie: "", address: ownAddress).host, "locker \(locker.address)")
        #expect(locker.address != ownAddress, "the CLI's client is another instance (nonce)")

        try await connection.breakLock(on: image, locker)
        #expect(try await connection.lockers(of: image).lockers.isEmpty)
        do {
            try await connection.breakLock(on: image, locker)
            Issue.record("breaking a lock twice succeeded")
        } catch {
            #expect(error.isNotFound, "\(error)")
        }
        _ = try await cluster.rbd(["rm", "--no-progress", image.description])
    }

    @Test func blocklistAppearsInOSDBlocklist() async throws {
        let cluster = try await SharedTestCeph.cluster()
        let connection = try await Self.connect(cluster)
        defer { Task { await connection.close() } }
        let address = "127.0.0.9:0/\(UInt32.random(in: 1...UInt32.max))"
        try await connection.blocklist(address: address, for: .seconds(600))
        let listed = try await cluster.ceph(["osd", "blocklist", "ls"])
        #expect(listed.contains(address), "\(listed)")
        _ = try await cluster.ceph(["osd", "blocklist", "rm", address])
    }

    @Test func blocklistCutsOffLiveWriter() async throws {
        let cluster = try await SharedTestCeph.cluster()
        let image = Self.uniqueImage("fence")
        _ = try await cluster.rbd(["create", "--size", "64M", image.description])
        let writer = try cluster.spawnRBD([
            "bench", "--io-type", "write", "--io-size", "4K", "--io-threads", "1", "--io-total", "10G",
            "--io-pattern", "rand", image.description,
        ])
        let connection = try await Self.connect(cluster)
        var blocklisted: String?
        do {
            // The writer's watch shows it holds the image open.
            var watchers: [RBDWatcher] = []
            let watched = try await Self.eventually(30) {
                watchers = try await connection.watchers(of: image)
                return !watchers.isEmpty
            }
            #expect(watched, "no watcher; writer output: \(writer.output)")
            let watcher = try #require(watchers.first)
            #expect(watcher.host == "127.0.0.1")
            #expect(writer.isRunning, "writer ended early: \(writer.output)")

            try await connection.blocklist(address: watcher.address, for: .seconds(600))
            blocklisted = watcher.address
            let ended = await writer.waitForExit(seconds: 30)
            #expect(ended, "the writer still runs after its address was blocklisted")
            #expect(writer.exitStatus != 0, "writer output: \(writer.output)")

            let stats = try await connection.poolStats("rbd")
            #expect(stats.numObjects > 0)
            #expect(stats.numWrite > 0)
        } catch {
            Issue.record("\(error)")
        }
        await writer.terminate()
        if let blocklisted { _ = try? await cluster.ceph(["osd", "blocklist", "rm", blocklisted]) }
        await connection.close()
        // The blocklisted writer's watch lingers until it times out; removal is best effort.
        _ = try? await cluster.rbd(["rm", "--no-progress", image.description], timeout: 20)
    }

    @Test func monitorCommandAndPools() async throws {
        let cluster = try await SharedTestCeph.cluster()
        let connection = try await Self.connect(cluster)
        defer { Task { await connection.close() } }
        let result = try await connection.monitorCommand(#"{"prefix":"status","format":"json"}"#, timeout: .seconds(10))
        let parsed = try JSONSerialization.jsonObject(with: Data(result.output))
        let object = try #require(parsed as? [String: Any])
        #expect(object["health"] != nil)
        #expect(result.text.contains("health"))

        do {
            _ = try await connection.monitorCommand(#"{"prefix":"no such command"}"#, timeout: .seconds(10))
            Issue.record("an unknown command succeeded")
        } catch {
            #expect(error.code < 0)
        }

        #expect(try await connection.poolNames().contains("rbd"))
        let address = try await connection.clientAddress
        #expect(address.contains("/"), "\(address)")
        do {
            _ = try await connection.poolStats("no-such-pool")
            Issue.record("stats of a missing pool")
        } catch {
            #expect(error.isNotFound, "\(error)")
        }
    }

    @Test func callsAfterCloseThrow() async throws {
        let cluster = try await SharedTestCeph.cluster()
        let connection = try await Self.connect(cluster)
        await connection.close()
        await connection.close()
        do {
            _ = try await connection.poolNames()
            Issue.record("a call after close succeeded")
        } catch {
            #expect(error.isClosed, "\(error)")
        }
        do {
            _ = try await connection.lockers(of: RBDImage(pool: "rbd", name: "x"))
            Issue.record("a call after close succeeded")
        } catch {
            #expect(error.isClosed, "\(error)")
        }
    }

    @Test func missingImageIsNotFound() async throws {
        let cluster = try await SharedTestCeph.cluster()
        let connection = try await Self.connect(cluster)
        defer { Task { await connection.close() } }
        do {
            _ = try await connection.lockers(of: RBDImage(pool: "rbd", name: "does-not-exist"))
            Issue.record("lockers of a missing image")
        } catch {
            #expect(error.isNotFound, "\(error)")
        }
    }
}
