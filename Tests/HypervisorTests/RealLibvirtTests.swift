import Foundation
import Hypervisor
import LocalServices
import Testing

/// Real libvirtds (scripts/libvirt.sh, root, one mount namespace each) and real TCG guests.
/// Serialized: each test runs qemu, and the machine has two cores.
@Suite(.serialized, .timeLimit(.minutes(2))) struct RealLibvirtTests {
    /// Starts `count` libvirtds, runs `body` with a hypervisor on each, and stops every daemon
    /// (which destroys its guests) however `body` ends.
    func withDaemons(
        _ count: Int, _ body: ([LibvirtDaemon], [LibvirtHypervisor]) async throws -> Void
    ) async throws {
        // Fails, rather than skips, when not root: CI runs as root, and a silent skip would
        // hide that the real tests never ran.
        try LibvirtDaemon.requireRoot()
        var daemons: [LibvirtDaemon] = []
        var hypervisors: [LibvirtHypervisor] = []
        do {
            for index in 1...count {
                daemons.append(try await LibvirtDaemon.start(name: "hv\(index)"))
                let status = try await daemons[index - 1].status()
                #expect(status.running && status.guests == 0)
            }
            for daemon in daemons {
                let hypervisor = LibvirtHypervisor(uri: daemon.uri)
                try await hypervisor.connect()
                hypervisors.append(hypervisor)
            }
            try await body(daemons, hypervisors)
        } catch {
            for daemon in daemons { print("--- \(daemon.name) log tail:\n\(daemon.logTail())") }
            await stopAll(daemons, hypervisors)
            throw error
        }
        await stopAll(daemons, hypervisors)
        for daemon in daemons {
            #expect(!LibvirtDaemon.isAlive(pid: daemon.pid), "libvirtd \(daemon.name) survived stop")
        }
    }

    func stopAll(_ daemons: [LibvirtDaemon], _ hypervisors: [LibvirtHypervisor]) async {
        for hypervisor in hypervisors { await hypervisor.close() }
        for daemon in daemons {
            do { try await daemon.stop() } catch { Issue.record("stopping \(daemon.name): \(error)") }
        }
    }

    func waitForState(
        _ hypervisor: LibvirtHypervisor, _ uuid: String, _ wanted: DomainState, within limit: Duration
    ) async throws -> DomainState {
        let deadline = ContinuousClock.now + limit
        var state = try await hypervisor.state(uuid)
        while state != wanted && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            state = try await hypervisor.state(uuid)
        }
        return state
    }

    @Test func tcgGuestLifecycleOnOneLibvirtd() async throws {
        try await withDaemons(1) { daemons, hypervisors in
            let hypervisor = hypervisors[0]
            let events = hypervisor.lifecycleEvents()
            let guest = TestGuest(name: "life1", uuid: UUID().uuidString)
            let collector = Task { () -> [LifecycleEvent] in
                var seen: [LifecycleEvent] = []
                for await event in events where event.uuid == guest.uuid {
                    seen.append(event)
                    if event.kind == .stopped { break }
                }
                return seen
            }

            let uuid = try await hypervisor.create(xml: guest.xml)
            #expect(uuid == guest.uuid)
            #expect(try await hypervisor.state(uuid) == .running)
            #expect(try await hypervisor.runningDomains() == [uuid])
            #expect(try await daemons[0].status().guests == 1)
            let info = try #require(try await hypervisor.info(uuid))
            #expect(info.memoryKiB == 65536 && info.maximumMemoryKiB == 65536)
            #expect(info.vcpus == 1)

            let stats = try #require(try await hypervisor.stats(uuid))
            #expect(stats.state == .running)
            #expect(stats.cpuTimeNanoseconds != nil)
            #expect(stats.balloonCurrentKiB == 65536)
            #expect(stats.vcpuCurrent == 1)
            #expect(stats.memoryStats["rss"].map { $0 > 0 } == true, "\(stats.memoryStats)")
            #expect(stats.disks.isEmpty && stats.interfaces.isEmpty)
            #expect(try await hypervisor.allStats().map(\.uuid) == [uuid])

            // SeaBIOS has no ACPI handler: the request is sent and the call returns at once,
            // bounded, but the guest keeps running, so destroy it as the VM runtime would.
            let shutdownStarted = ContinuousClock.now
            try await hypervisor.shutdown(uuid)
            #expect(shutdownStarted.duration(to: .now) < .seconds(30))
            let afterShutdown = try await waitForState(hypervisor, uuid, .notDefined, within: .seconds(2))
            if afterShutdown != .notDefined {
                try await hypervisor.destroy(uuid)
            }
            #expect(try await hypervisor.state(uuid) == .notDefined)
            #expect(try await hypervisor.runningDomains().isEmpty)
            #expect(try await daemons[0].status().guests == 0)

            let seen = try await withTimeout(.seconds(10)) { await collector.value }
            // qemu starts paused and is then resumed, so RESUMED may come before STARTED.
            #expect(seen.contains { $0.kind == .started })
            #expect(seen.last?.kind == .stopped)
            #expect([.destroyed, .shutdown].contains(seen.last?.stoppedReason))
        }
    }

    @Test func destroyingAStoppedGuestIsATypedErrorAndStatsSkipNothing() async throws {
        try await withDaemons(1) { _, hypervisors in
            let hypervisor = hypervisors[0]
            let guest = TestGuest(name: "gone1", uuid: UUID().uuidString)
            let uuid = try await hypervisor.create(xml: guest.xml)
            try await hypervisor.destroy(uuid)
            let error = try #require(await #expect(throws: HypervisorError.self) { try await hypervisor.destroy(uuid) })
            #expect(error.isNoSuchDomain, "\(error)")
            #expect(error.libvirtMessage?.contains(uuid) == true, "\(error)")
        }
    }

    @Test func liveMigrationBetweenTwoLibvirtds() async throws {
        try await withDaemons(2) { daemons, hypervisors in
            let (source, target) = (hypervisors[0], hypervisors[1])
            #expect(daemons[0].hostUUID != daemons[1].hostUUID)
            let targetEvents = target.lifecycleEvents()
            let guest = TestGuest(name: "mig1", uuid: UUID().uuidString)
            let uuid = try await source.create(xml: guest.xml)
            #expect(try await source.state(uuid) == .running)

            // As in production: the destination is a qemu+tcp URI from the source daemon's
            // point of view, and the data goes to the migration URI.
            let destination = try URITemplate("qemu+tcp://{node}/system")
                .expand(node: "127.0.0.1:\(daemons[1].port)", clusterDomain: "unused")
            #expect(destination == daemons[1].tcpURI)
            let started = ContinuousClock.now
            let result = try await source.migrate(
                uuid, to: destination, migrationURI: "tcp://127.0.0.1", maxDowntime: .milliseconds(300))
            let measured = started.duration(to: .now)
            print("migration: libvirt \(String(describing: result.libvirtTime)), call \(result.callTime), "
                  + "downtime \(String(describing: result.downtime)), memory \(String(describing: result.memoryBytes)) B")

            #expect(result.time > .zero)
            #expect(result.callTime <= measured)
            #expect(result.libvirtTime != nil, "libvirt reported no job-completed time")
            if let libvirtTime = result.libvirtTime { #expect(libvirtTime <= result.callTime + .milliseconds(50)) }

            #expect(try await target.state(uuid) == .running)
            #expect(try await target.runningDomains() == [uuid])
            #expect(try await source.state(uuid) == .notDefined)
            #expect(try await source.runningDomains().isEmpty)
            let info = try #require(try await target.info(uuid))
            #expect(info.memoryKiB == 65536)

            let started2 = try await withTimeout(.seconds(5)) { () -> LifecycleEvent? in
                for await event in targetEvents where event.uuid == uuid && event.kind == .started { return event }
                return nil
            }
            #expect(started2 != nil)

            try await target.destroy(uuid)
            #expect(try await target.state(uuid) == .notDefined)
        }
    }

    @Test func migratingToADaemonThatIsGoneFailsWithLibvirtsMessageAndLeavesTheGuestRunning() async throws {
        try await withDaemons(1) { _, hypervisors in
            let source = hypervisors[0]
            let guest = TestGuest(name: "mig-nowhere", uuid: UUID().uuidString)
            let uuid = try await source.create(xml: guest.xml)
            let error = try #require(await #expect(throws: HypervisorError.self) {
                _ = try await source.migrate(
                    uuid, to: "qemu+tcp://127.0.0.1:9/system", migrationURI: "tcp://127.0.0.1", maxDowntime: nil,
                    timeout: .seconds(30))
            })
            guard case .libvirt(let call, _, _, let message) = error else {
                Issue.record("expected a libvirt error, got \(error)")
                return
            }
            #expect(call == "virDomainMigrateToURI3")
            #expect(!message.isEmpty)
            #expect(try await source.state(uuid) == .running)
            try await source.destroy(uuid)
        }
    }

    /// qemu outlives libvirtd, so stopping a daemon must take its running guests with it.
    @Test func stoppingADaemonStopsItsRunningGuests() async throws {
        var qemu: Int32?
        try await withDaemons(1) { daemons, hypervisors in
            let guest = TestGuest(name: "left1", uuid: UUID().uuidString)
            _ = try await hypervisors[0].create(xml: guest.xml)
            qemu = daemons[0].guestPID(name: guest.name)
            #expect(qemu.map { LibvirtDaemon.isAlive(pid: $0) } == true)
        }
        let pid = try #require(qemu)
        #expect(!LibvirtDaemon.isAlive(pid: pid), "qemu \(pid) survived its libvirtd's stop")
    }

    /// A frozen libvirtd (SIGSTOP) keeps its socket open and answers nothing: every call must
    /// still come back, as a timeout naming the call, and work again once it thaws.
    @Test func callsToAFrozenLibvirtdTimeOutAndRecover() async throws {
        try await withDaemons(1) { daemons, _ in
            let hypervisor = LibvirtHypervisor(
                uri: daemons[0].uri, timeouts: CallTimeouts(connect: .seconds(5), query: .milliseconds(800)))
            defer { Task { await hypervisor.close() } }
            try await hypervisor.connect()
            #expect(kill(daemons[0].pid, SIGSTOP) == 0)
            do {
                let started = ContinuousClock.now
                let error = try #require(await #expect(throws: HypervisorError.self) { _ = try await hypervisor.runningDomains() })
                #expect(error == .timedOut(call: "virConnectListAllDomains", after: .milliseconds(800)))
                #expect(started.duration(to: .now) < .seconds(30))
            } catch {
                kill(daemons[0].pid, SIGCONT)
                throw error
            }
            #expect(kill(daemons[0].pid, SIGCONT) == 0)
            #expect(try await hypervisor.runningDomains().isEmpty)
        }
    }

    /// Keepalive notices a libvirtd that stopped answering without closing its socket, with no
    /// call in flight; the next call after it thaws runs on a new connection.
    @Test func keepaliveDeclaresAFrozenLibvirtdDeadAndTheNextCallReconnects() async throws {
        try await withDaemons(1) { daemons, _ in
            let hypervisor = LibvirtHypervisor(uri: daemons[0].uri, keepAlive: KeepAlive(intervalSeconds: 1, count: 1))
            defer { Task { await hypervisor.close() } }
            try await hypervisor.connect()
            #expect(await hypervisor.isConnected)
            #expect(kill(daemons[0].pid, SIGSTOP) == 0)
            let deadline = ContinuousClock.now + .seconds(8)
            var connected = true
            while connected && ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(100))
                connected = await hypervisor.isConnected
            }
            #expect(kill(daemons[0].pid, SIGCONT) == 0)
            #expect(!connected, "keepalive did not declare the frozen libvirtd dead within 8 s")
            #expect(try await hypervisor.runningDomains().isEmpty)
            #expect(await hypervisor.isConnected)
        }
    }

    @Test func aRestartedLibvirtdIsReconnectedTo() async throws {
        try LibvirtDaemon.requireRoot()
        let directory = "/tmp/pvc-lv-reconnect-\(getpid())"
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var daemon = try await LibvirtDaemon.start(name: "re1", directory: directory)
        let hypervisor = LibvirtHypervisor(uri: daemon.uri)
        do {
            try await hypervisor.connect()
            #expect(try await hypervisor.runningDomains().isEmpty)
            try await daemon.stop()
            // The dead connection shows as libvirt's error (or as dead before the call);
            // either way, once a daemon is back on the same socket the next call reconnects.
            _ = try? await hypervisor.runningDomains()
            daemon = try await LibvirtDaemon.start(name: "re1", directory: directory)
            #expect(try await hypervisor.runningDomains().isEmpty)
            #expect(await hypervisor.isConnected)
        } catch {
            await hypervisor.close()
            try? await daemon.stop()
            throw error
        }
        await hypervisor.close()
        try await daemon.stop()
    }
}
