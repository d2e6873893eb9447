import Foundation
import Hypervisor
import Testing

/// Fast tests against libvirt's in-process test driver. `test:///default` is shared by every
/// connection of this process while one is open, so each test uses domains of its own (fresh
/// UUIDs) and never assumes it is alone.
@Suite(.timeLimit(.minutes(1))) struct TestDriverTests {
    static let uri = "test:///default"

    static func domainXML(name: String, uuid: String, memoryKiB: Int = 65536, vcpus: Int = 2) -> String {
        """
        <domain type='test'>
          <name>\(name)</name>
          <uuid>\(uuid)</uuid>
          <memory unit='KiB'>\(memoryKiB)</memory>
          <currentMemory unit='KiB'>\(memoryKiB)</currentMemory>
          <vcpu>\(vcpus)</vcpu>
          <os><type arch='x86_64'>hvm</type></os>
        </domain>
        """
    }

    static func freshDomain() -> (name: String, uuid: String, xml: String) {
        let uuid = UUID().uuidString.lowercased()
        let name = "t-\(uuid.prefix(8))"
        return (name, uuid, domainXML(name: name, uuid: uuid))
    }

    @Test func createReportsStateAndInfoThenDestroyRemovesTheTransientDomain() async throws {
        let hypervisor = LibvirtHypervisor(uri: Self.uri)
        defer { Task { await hypervisor.close() } }
        let domain = Self.freshDomain()

        let uuid = try await hypervisor.create(xml: domain.xml)
        #expect(uuid == domain.uuid)
        #expect(try await hypervisor.state(uuid) == .running)
        let info = try #require(try await hypervisor.info(uuid))
        #expect(info.state == .running)
        #expect(info.memoryKiB == 65536)
        #expect(info.maximumMemoryKiB == 65536)
        #expect(info.vcpus == 2)
        #expect(try await hypervisor.runningDomains().contains(uuid))

        try await hypervisor.destroy(uuid)
        #expect(try await hypervisor.state(uuid) == .notDefined)
        #expect(try await hypervisor.info(uuid) == nil)
        #expect(try await !hypervisor.runningDomains().contains(uuid))
    }

    @Test func shutdownStopsATestDomain() async throws {
        let hypervisor = LibvirtHypervisor(uri: Self.uri)
        defer { Task { await hypervisor.close() } }
        let domain = Self.freshDomain()
        let uuid = try await hypervisor.create(xml: domain.xml)
        try await hypervisor.shutdown(uuid)
        // The test driver stops at once (a real guest may take its time or ignore it).
        #expect(try await hypervisor.state(uuid) == .notDefined)
    }

    @Test func aMissingDomainIsAnAnswerForQueriesAndATypedErrorForActions() async throws {
        let hypervisor = LibvirtHypervisor(uri: Self.uri)
        defer { Task { await hypervisor.close() } }
        let missing = UUID().uuidString.lowercased()

        #expect(try await hypervisor.state(missing) == .notDefined)
        #expect(try await hypervisor.info(missing) == nil)
        #expect(try await hypervisor.stats(missing) == nil)

        let error = try #require(await #expect(throws: HypervisorError.self) { try await hypervisor.destroy(missing) })
        #expect(error.isNoSuchDomain)
        guard case .libvirt(let call, _, _, let message) = error else {
            Issue.record("expected a libvirt error, got \(error)")
            return
        }
        #expect(call == "virDomainLookupByUUIDString")
        // libvirt's own text, read on the thread that failed.
        #expect(message.contains("Domain not found"), "\(message)")
        await #expect(throws: HypervisorError.self) { try await hypervisor.shutdown(missing) }
    }

    @Test func libvirtsOwnMessageComesBackForBadXMLAndABadURI() async throws {
        let hypervisor = LibvirtHypervisor(uri: Self.uri)
        defer { Task { await hypervisor.close() } }
        let error = try #require(await #expect(throws: HypervisorError.self) {
            _ = try await hypervisor.create(xml: "<domain type='test'><name>broken")
        })
        guard case .libvirt(let call, let code, _, let message) = error else {
            Issue.record("expected a libvirt error, got \(error)")
            return
        }
        #expect(call == "virDomainCreateXML")
        #expect(code > 0)
        #expect(!message.isEmpty && message != "(no message)")

        let nowhere = LibvirtHypervisor(uri: "qemu+unix:///system?socket=/nonexistent/pvc-test/libvirt-sock")
        let connectError = try #require(await #expect(throws: HypervisorError.self) { try await nowhere.connect() })
        guard case .libvirt(let connectCall, _, _, let connectMessage) = connectError else {
            Issue.record("expected a libvirt error, got \(connectError)")
            return
        }
        #expect(connectCall == "virConnectOpen")
        #expect(connectMessage.contains("/nonexistent/pvc-test/libvirt-sock"), "\(connectMessage)")
        await nowhere.close()
    }

    /// A socket that accepts connections (the kernel's backlog does) but never answers is what
    /// a hung libvirtd looks like: the connect must give up at its bound, naming the call.
    @Test func connectingToAHungDaemonTimesOut() async throws {
        let listener = try SilentUnixListener()
        defer { listener.close() }
        let hypervisor = LibvirtHypervisor(
            uri: "qemu+unix:///system?socket=\(listener.path)",
            timeouts: CallTimeouts(connect: .milliseconds(700)))
        let started = ContinuousClock.now
        let error = try #require(await #expect(throws: HypervisorError.self) { try await hypervisor.connect() })
        let elapsed = started.duration(to: .now)
        guard case .timedOut(let call, let after) = error else {
            Issue.record("expected a timeout, got \(error)")
            return
        }
        #expect(call.hasPrefix("virConnectOpen"))
        #expect(after == .milliseconds(700))
        #expect(elapsed < .seconds(30))
        await hypervisor.close()
    }

    @Test func statsForOneAndForAllDomains() async throws {
        let hypervisor = LibvirtHypervisor(uri: Self.uri)
        defer { Task { await hypervisor.close() } }
        let domain = Self.freshDomain()
        let uuid = try await hypervisor.create(xml: domain.xml)

        let one = try #require(try await hypervisor.stats(uuid))
        #expect(one.uuid == uuid)
        #expect(one.name == domain.name)
        #expect(one.state == .running)
        #expect(one.disks.isEmpty && one.interfaces.isEmpty)

        let all = try await hypervisor.allStats()
        #expect(all.contains { $0.uuid == uuid && $0.state == .running })
        try await hypervisor.destroy(uuid)
        #expect(try await !hypervisor.allStats().contains { $0.uuid == uuid })
    }

    /// On a private test-driver node rather than test:///default: the default node is shared by
    /// the whole process and made by its first opener, and a connection opened elsewhere in this
    /// test process before libvirt's event loop was registered (CBindingsTests) would leave it
    /// without event delivery.
    @Test func theEventStreamDeliversStartedAndStoppedFromTheEventLoopThread() async throws {
        let hypervisor = LibvirtHypervisor(uri: try privateTestDriverURI())
        defer { Task { await hypervisor.close() } }
        try await hypervisor.connect()
        let events = hypervisor.lifecycleEvents()
        let domain = Self.freshDomain()

        let collector = Task { () -> [LifecycleEvent] in
            var seen: [LifecycleEvent] = []
            for await event in events where event.uuid == domain.uuid {
                seen.append(event)
                if event.kind == .stopped { break }
            }
            return seen
        }
        let uuid = try await hypervisor.create(xml: domain.xml)
        try await hypervisor.destroy(uuid)
        let seen = try await withTimeout(.seconds(5)) { await collector.value }

        #expect(seen.map(\.kind) == [.started, .stopped])
        #expect(seen.last?.stoppedReason == .destroyed)
        #expect(seen.allSatisfy { $0.name == domain.name })
    }

    @Test func closingEndsStreamsAndLaterCallsThrowClosed() async throws {
        let hypervisor = LibvirtHypervisor(uri: Self.uri)
        try await hypervisor.connect()
        let events = hypervisor.lifecycleEvents()
        await hypervisor.close()
        let ended = Task { for await _ in events {}; return true }
        #expect(try await withTimeout(.seconds(10)) { await ended.value })
        await #expect(throws: HypervisorError.closed) { _ = try await hypervisor.runningDomains() }
    }

    @Test func callsRunConcurrentlyOnOneConnection() async throws {
        let hypervisor = LibvirtHypervisor(uri: Self.uri)
        defer { Task { await hypervisor.close() } }
        let domains = (0..<8).map { _ in Self.freshDomain() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for domain in domains {
                group.addTask {
                    let uuid = try await hypervisor.create(xml: domain.xml)
                    #expect(try await hypervisor.state(uuid) == .running)
                    try await hypervisor.destroy(uuid)
                }
            }
            try await group.waitForAll()
        }
        let running = try await hypervisor.runningDomains()
        #expect(domains.allSatisfy { !running.contains($0.uuid) })
    }
}

/// `test:///FILE` gives every connection a node of its own, empty but for what FILE defines.
func privateTestDriverURI() throws -> String {
    // Same content for every test process, written atomically: a fixed name leaves no litter.
    let path = "/tmp/pvc-hypervisor-test-node.xml"
    let node = """
        <node>
          <cpu><nodes>1</nodes><sockets>1</sockets><cores>2</cores><threads>1</threads><active>2</active>\
        <mhz>2000</mhz><model>x86_64</model></cpu>
          <memory>8388608</memory>
        </node>
        """
    try node.write(toFile: path, atomically: true, encoding: .utf8)
    return "test://\(path)"
}

@Suite struct URITemplateTests {
    @Test func placeholdersAreSubstituted() throws {
        let destination = try URITemplate("qemu+tcp://{node}.{cluster_domain}/system")
        #expect(destination.expand(node: "hv2", clusterDomain: "pvc.local") == "qemu+tcp://hv2.pvc.local/system")
        let migration = try URITemplate("tcp://{node}.{cluster_domain}")
        #expect(migration.expand(node: "hv3", clusterDomain: "c.example") == "tcp://hv3.c.example")
        let repeated = try URITemplate("qemu+ssh://root@{node}/system?x={node}")
        #expect(repeated.expand(node: "a", clusterDomain: "b") == "qemu+ssh://root@a/system?x=a")
        #expect(try URITemplate("qemu:///system").expand(node: "x", clusterDomain: "y") == "qemu:///system")
    }

    @Test(arguments: [
        "qemu+tcp://{host}.{cluster_domain}/system",
        "qemu+tcp://{node}.{domain}/system",
        "qemu+tcp://{node/system",
        "qemu+tcp://node}/system",
        "tcp://{}",
        "tcp://{{node}}",
    ])
    func malformedTemplatesAreRejected(template: String) {
        #expect(throws: HypervisorError.self) { try URITemplate(template) }
    }

    @Test func anUnknownPlaceholderIsNamedInTheError() {
        do {
            _ = try URITemplate("qemu+tcp://{hostname}/system")
            Issue.record("accepted an unknown placeholder")
        } catch {
            guard case .invalidURITemplate(let template, let reason) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(template == "qemu+tcp://{hostname}/system")
            #expect(reason.contains("{hostname}"))
        }
    }
}
