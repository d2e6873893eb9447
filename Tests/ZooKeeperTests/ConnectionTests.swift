import Coordination
import LocalServices
import Testing
import ZooKeeper

/// What a bad host list, a refused port or a missing chroot give: a typed error naming the cause,
/// within the connect deadline.
@Suite(.timeLimit(.minutes(2))) struct ConnectionTests {
    @Test func aMissingChrootIsReportedByName() async throws {
        var configuration = try await TestSessions.configuration()
        configuration.chroot = TestSessions.uniqueRoot("absent-chroot")
        let error = await #expect(throws: CoordinationError.self) {
            _ = try await ZooKeeperClient.connect(configuration)
        }
        #expect(error?.code == .connectionFailed)
        #expect(error?.path == configuration.chroot)
        #expect(error?.description.contains("chroot") == true)
    }

    @Test func callsAreRelativeToAnExistingChroot() async throws {
        let root = TestSessions.uniqueRoot("chroot")
        let plain = try await TestSessions.connect()
        try await withClients([plain]) {
            _ = try await plain.create(root, data: [], mode: .persistent)
            var configuration = try await TestSessions.configuration()
            configuration.chroot = root
            let rooted = try await ZooKeeperClient.connect(configuration)
            try await withClients([rooted]) {
                let created = try await rooted.create("/inside", data: Array("x".utf8), mode: .persistent)
                #expect(created == "/inside")
                let sequential = try await rooted.create("/seq-", data: [], mode: .persistentSequential)
                #expect(sequential.hasPrefix("/seq-"))
                let results = try await rooted.multi([.create("/multi-", data: [], mode: .persistentSequential)])
                guard case .created(let multiPath) = results.first else {
                    Issue.record("multi gave \(results)")
                    return
                }
                #expect(multiPath.hasPrefix("/multi-"))
            }
            #expect(try await plain.get(root + "/inside").text == "x")
            try await plain.deleteRecursive(root)
        }
    }

    @Test func aRefusedPortFailsWithinTheConnectDeadline() async throws {
        // Port 1 on loopback: nothing listens, every attempt is refused at once.
        var configuration = ZooKeeperClient.Configuration(hosts: "127.0.0.1:1")
        configuration.connectTimeout = .seconds(2)
        let started = ContinuousClock.now
        let error = await #expect(throws: CoordinationError.self) {
            _ = try await ZooKeeperClient.connect(configuration)
        }
        #expect(error?.code == .connectionFailed)
        #expect(error?.description.contains("127.0.0.1:1") == true)
        // Bounded: the call returns at its deadline, not whenever the library gives up (never).
        #expect(ContinuousClock.now - started < .seconds(60))
    }

    @Test func anUnparseableHostListIsRefused() async throws {
        let configuration = ZooKeeperClient.Configuration(hosts: "")
        let error = await #expect(throws: CoordinationError.self) {
            _ = try await ZooKeeperClient.connect(configuration)
        }
        #expect(error?.code == .connectionFailed)
    }

    @Test func anInvalidChrootIsRefusedBeforeConnecting() async throws {
        var configuration = try await TestSessions.configuration()
        configuration.chroot = "no-leading-slash"
        let error = await #expect(throws: CoordinationError.self) {
            _ = try await ZooKeeperClient.connect(configuration)
        }
        #expect(error?.code == .invalidPath)
        #expect(error?.path == "no-leading-slash")
    }

    @Test func theServerNegotiatesTheSessionTimeout() async throws {
        // The test server allows 1 s to 60 s; 500 ms is raised to its minimum.
        let client = try await TestSessions.connect(sessionTimeout: .milliseconds(500))
        try await withClients([client]) {
            #expect(client.sessionTimeout == .seconds(1))
            #expect(client.sessionID != 0)
            #expect(client.sessionState == .connected)
        }
    }
}
