import Coordination
import LocalServices
import Testing
import ZooKeeper

/// PVC's Python API and daemons take Kazoo locks on the same znodes as we do: each side's lock must
/// block the other's, on the wire. These run Debian's python3-kazoo against the test server.
@Suite(.timeLimit(.minutes(2))) struct KazooInteropTests {
    static func isContenderName(_ name: String) -> Bool {
        name.wholeMatch(of: #/[0-9a-f]{32}__(r)?lock__[0-9]{10}/#) != nil
    }

    @Test func aLockHeldByKazooBlocksOurs() async throws {
        let hosts = try await SharedTestZooKeeper.connectString()
        let path = TestSessions.uniqueRoot("kazoo-holds")
        let client = try await TestSessions.connect()
        try await withClients([client]) {
            let kazoo = try KazooLockProcess(hosts: hosts, path: path, kind: "lock", timeout: 20)
            defer { kazoo.stop() }
            let acquired = try #require(await kazoo.nextLine(timeout: .seconds(30)))
            #expect(acquired.hasPrefix("acquired "))
            let kazooNode = String(acquired.dropFirst("acquired ".count))
            #expect(Self.isContenderName(kazooNode), "Kazoo named its node \(kazooNode)")
            #expect(try await client.children(path) == [kazooNode])

            let ours = CoordinationLock(store: client, path: path, kind: .exclusive, identifier: "swift")
            let error = await #expect(throws: CoordinationError.self) {
                _ = try await ours.acquire(timeout: .seconds(1))
            }
            #expect(error?.code == .lockTimeout)
            #expect(try await client.children(path) == [kazooNode], "our timed-out contender was left behind")

            kazoo.release()
            #expect(await kazoo.nextLine(timeout: .seconds(10)) == "released")
            let lease = try await ours.acquire(timeout: .seconds(10))
            #expect(lease.isHeld)
            try await lease.release()
            try await client.deleteRecursive(path)
        }
    }

    @Test func aLockHeldByUsBlocksKazoo() async throws {
        let hosts = try await SharedTestZooKeeper.connectString()
        let path = TestSessions.uniqueRoot("swift-holds")
        let client = try await TestSessions.connect()
        try await withClients([client]) {
            let lease = try await CoordinationLock(store: client, path: path, kind: .exclusive).acquire(timeout: .seconds(5))
            let blocked = try KazooLockProcess(hosts: hosts, path: path, kind: "lock", timeout: 1)
            defer { blocked.stop() }
            #expect(await blocked.nextLine(timeout: .seconds(30)) == "timeout")
            // Kazoo removed its contender on timeout; only ours is left.
            #expect(try await client.children(path) == [PathRules.name(of: lease.contenderPath)])

            try await lease.release()
            let free = try KazooLockProcess(hosts: hosts, path: path, kind: "lock", timeout: 20)
            defer { free.stop() }
            #expect(await free.nextLine(timeout: .seconds(30))?.hasPrefix("acquired ") == true)
            free.release()
            #expect(await free.nextLine(timeout: .seconds(10)) == "released")
            try await client.deleteRecursive(path)
        }
    }

    @Test func ourReadLockBlocksKazoosWriteLockAndKazoosWriteLockBlocksOurReadLock() async throws {
        let hosts = try await SharedTestZooKeeper.connectString()
        let path = TestSessions.uniqueRoot("rw")
        let client = try await TestSessions.connect()
        try await withClients([client]) {
            let reader = try await CoordinationLock(store: client, path: path, kind: .read).acquire(timeout: .seconds(5))
            let writer = try KazooLockProcess(hosts: hosts, path: path, kind: "write", timeout: 1)
            defer { writer.stop() }
            #expect(await writer.nextLine(timeout: .seconds(30)) == "timeout")
            try await reader.release()

            let holder = try KazooLockProcess(hosts: hosts, path: path, kind: "write", timeout: 20)
            defer { holder.stop() }
            #expect(await holder.nextLine(timeout: .seconds(30))?.hasPrefix("acquired ") == true)
            let error = await #expect(throws: CoordinationError.self) {
                _ = try await CoordinationLock(store: client, path: path, kind: .read).acquire(timeout: .seconds(1))
            }
            #expect(error?.code == .lockTimeout)
            holder.release()
            #expect(await holder.nextLine(timeout: .seconds(10)) == "released")
            let lease = try await CoordinationLock(store: client, path: path, kind: .read).acquire(timeout: .seconds(10))
            try await lease.release()
            try await client.deleteRecursive(path)
        }
    }
}
