import Foundation
import LocalServices
import Testing
@testable import PowerControl

#if canImport(Glibc)
import Glibc
#endif

/// Against a real ipmi_sim (scripts/ipmi.sh) whose chassis is a real process: power off must
/// really kill it, and every failure must come back typed, bounded and without the password.
@Suite("IPMIPowerControl against ipmi_sim")
struct IPMIPowerControlTests {
    let clock = ContinuousClock()

    @Test func offKillsTheNodeAndOnStartsANewOne() async throws {
        let (node, control) = try await SimulatedNode.start()
        do {
            let firstPID = node.first.processIdentifier
            var started = clock.now
            #expect(try await control.powerStatus() == .on)
            print("ipmitool chassis power status (on): \(milliseconds(clock.now - started)) ms")

            started = clock.now
            try await control.powerOff()
            print("ipmitool chassis power off: \(milliseconds(clock.now - started)) ms")
            #expect(await eventually(within: .seconds(10)) { isDead(firstPID) },
                    "node \(firstPID) still \(String(describing: processState(firstPID))) after power off")
            started = clock.now
            #expect(try await control.powerStatus() == .off)
            print("ipmitool chassis power status (off): \(milliseconds(clock.now - started)) ms")

            started = clock.now
            try await control.powerOn()
            print("ipmitool chassis power on: \(milliseconds(clock.now - started)) ms")
            // The BMC answers once node.cmd is launched; the `on started PID` line names the PID
            // the new node writes, which on a loaded machine comes after the answer (ipmi.sh then
            // leaves it to a follower), so the line is waited for, and node.pid read after it.
            let log = await node.bmc.powerLog(within: .seconds(60)) { log in
                log.contains { $0.action == "on" && !$0.isPending }
            }
            let on = try #require(log.first { $0.action == "on" && !$0.isPending }, "power.log: \(log)")
            let secondPID = try #require(on.pid, "power.log: \(log)")
            #expect(on.result == "started \(secondPID)")
            #expect(node.bmc.nodePID() == secondPID)
            #expect(secondPID != firstPID)
            #expect(!isDead(secondPID))
            #expect(try await control.powerStatus() == .on)

            let off = try #require(log.first { $0.action == "off" }, "power.log: \(log)")
            #expect(off.result == "killed \(firstPID)")
            #expect(off.pid == firstPID)
            #expect(on.epochMilliseconds >= off.epochMilliseconds)
            #expect(log.contains { $0.action == "status" && $0.result == "off" }, "power.log: \(log)")
        } catch {
            await node.cleanUp()
            throw error
        }
        await node.cleanUp()
    }

    @Test func aStuckBMCAcknowledgesOffAndStaysOn() async throws {
        let (node, control) = try await SimulatedNode.start(stuckOn: true)
        do {
            let pid = node.first.processIdentifier
            try await control.powerOff()
            #expect(try await control.powerStatus() == .on)
            #expect(!isDead(pid))
            #expect(node.bmc.powerLog().contains { $0.action == "off" && $0.isStuck })
        } catch {
            await node.cleanUp()
            throw error
        }
        await node.cleanUp()
    }

    @Test func wrongPasswordIsUnreachableAndQuick() async throws {
        let (node, _) = try await SimulatedNode.start(password: "right-one")
        do {
            let wrong = IPMIPowerControl(
                address: try BMCAddress(parsing: node.bmc.address), username: node.bmc.username,
                password: "wrong-one-\(UInt16.random(in: 0...UInt16.max))")
            let started = clock.now
            let error = await #expect(throws: PowerControlError.self) { try await wrong.powerOff() }
            let elapsed = clock.now - started
            print("wrong password: \(milliseconds(elapsed)) ms, \(String(describing: error))")
            guard case .unreachable? = error else {
                Issue.record("expected .unreachable, got \(String(describing: error))")
                await node.cleanUp()
                return
            }
            #expect(elapsed < .seconds(60))
            // The refused call did nothing to the node.
            #expect(!isDead(node.first.processIdentifier))
        } catch {
            await node.cleanUp()
            throw error
        }
        await node.cleanUp()
    }

    @Test func aPortWithNothingListeningFailsWithinBounds() async throws {
        let port = try unusedUDPPort()
        let control = IPMIPowerControl(
            address: try BMCAddress(parsing: "127.0.0.1:\(port)"), username: "admin", password: "nobody-home")
        let started = clock.now
        let error = await #expect(throws: PowerControlError.self) { _ = try await control.powerStatus() }
        let elapsed = clock.now - started
        print("unreachable BMC: \(milliseconds(elapsed)) ms, \(String(describing: error))")
        switch error {
        case .unreachable?, .timedOut?: break
        default: Issue.record("expected .unreachable or .timedOut, got \(String(describing: error))")
        }
        #expect(elapsed < .seconds(60))
    }

    @Test func ourOwnBoundKillsAHungCall() async throws {
        // -R 1 -N 1 takes ~2 s against silence; a 500 ms bound must cut it short.
        let port = try unusedUDPPort()
        let control = IPMIPowerControl(
            address: try BMCAddress(parsing: "127.0.0.1:\(port)"), username: "admin", password: "x",
            callTimeout: .milliseconds(500))
        let started = clock.now
        let error = await #expect(throws: PowerControlError.self) { try await control.powerOff() }
        #expect(error == .timedOut(after: .milliseconds(500)))
        #expect(clock.now - started < .seconds(60))
    }

    @Test func thePasswordIsOnNoCommandLineWhileACallIsInFlight() async throws {
        let password = "pw-\(UUID().uuidString.prefix(12))"
        // A user name of its own, so the watch tells this call's ipmitool from the other tests'.
        let user = "u\(UInt32.random(in: 0...UInt32.max))"
        // A silent BMC: ipmitool lives through its retries (~2 s) instead of ending at an ICMP
        // port unreachable.
        let silent = try SilentUDPPort()
        defer { silent.close() }
        // A bound far above the freeze below: the default 5 s would SIGKILL a frozen ipmitool
        // on a loaded machine and end the call while the scan runs.
        let control = IPMIPowerControl(
            address: try BMCAddress(parsing: "127.0.0.1:\(silent.port)"), username: user, password: password,
            callTimeout: .seconds(60))
        let watch = InFlightCallWatch(port: silent.port, user: user, password: password)
        watch.start()
        let error: PowerControlError?
        do throws(PowerControlError) {
            _ = try await control.powerStatus()
            error = nil
        } catch let failure {
            error = failure
        }
        watch.callEnded()
        let seen = await watch.report()

        let argv = try #require(
            seen.argv, "no ipmitool with -p \(silent.port) -U \(user) among our children during the call (\(seen.polls) polls)")
        #expect(seen.frozen, "ipmitool \(seen.pid.map(String.init) ?? "?") did not stop for the scan")
        #expect(!argv.contains { $0.contains(password) }, "\(argv)")
        #expect(seen.environment.contains("IPMI_PASSWORD=\(password)"))
        #expect(seen.leaks.isEmpty, "password on the command line of \(seen.leaks)")
        let failure = try #require(error)
        #expect(!failure.description.contains(password))
        #expect(!control.description.contains(password))
    }

    @Test func thePasswordIsInNoDescription() async throws {
        let password = "pw-\(UUID().uuidString.prefix(12))"
        let (node, _) = try await SimulatedNode.start(password: "right-one")
        let wrong = IPMIPowerControl(
            address: try BMCAddress(parsing: node.bmc.address), username: node.bmc.username, password: password)
        let refused = await #expect(throws: PowerControlError.self) { _ = try await wrong.powerStatus() }
        await node.cleanUp()
        var dumped = ""
        dump(wrong, to: &dumped)
        for text in [
            String(describing: refused), String(reflecting: refused), "\(wrong)", String(reflecting: wrong), dumped,
        ] {
            #expect(!text.contains(password), "\(text)")
        }
        #expect(dumped.contains("admin"))
    }
}

/// Finds the ipmitool a call runs (a child of this process whose argv has `-p PORT -U USER`),
/// freezes it (SIGSTOP), reads its argv and environment and every process's command line while it
/// cannot exit, and lets it go on (SIGCONT).
///
/// From a thread of its own: with ~90 suites in one process on 2 cores, a test task that slept
/// 20 ms between /proc scans was resumed by the cooperative pool only every few seconds, and the
/// ~2 s the ipmitool lived fell between two scans. The freeze makes the scan's overlap with the
/// call certain instead of likely.
private final class InFlightCallWatch: @unchecked Sendable {
    struct Report: Sendable {
        var pid: Int32?
        /// The ipmitool's argv, read while it was stopped; nil when none was seen.
        var argv: [String]?
        var environment: [String] = []
        var frozen = false
        /// Processes whose command line held the password, during the freeze.
        var leaks: [Int32] = []
        var polls = 0
    }

    private let port: String
    private let user: String
    private let password: String
    private let lock = NSLock()
    private var ended = false
    private var finished: Report?
    private var waiter: CheckedContinuation<Report, Never>?

    init(port: Int, user: String, password: String) {
        self.port = String(port)
        self.user = user
        self.password = password
    }

    func start() {
        let thread = Thread { [self] in finish(watch()) }
        thread.name = "InFlightCallWatch"
        thread.start()
    }

    /// The call returned: an ipmitool not seen by now will not be.
    func callEnded() { lock.withLock { ended = true } }

    func report() async -> Report {
        await withCheckedContinuation { continuation in
            lock.withLock {
                if let finished { continuation.resume(returning: finished) } else { waiter = continuation }
            }
        }
    }

    private func finish(_ report: Report) {
        lock.withLock {
            finished = report
            waiter?.resume(returning: report)
            waiter = nil
        }
    }

    private func watch() -> Report {
        var report = Report()
        let deadline = ContinuousClock.now + .seconds(120)
        while !lock.withLock({ ended }), ContinuousClock.now < deadline {
            report.polls += 1
            if let pid = childPIDs(of: getpid()).first(where: { isOurs(commandLine(of: $0)) }) {
                kill(pid, SIGSTOP)
                defer { kill(pid, SIGCONT) }
                report.pid = pid
                report.frozen = waitForState(of: pid, "T", within: .seconds(30))
                let argv = commandLine(of: pid)
                // Still our ipmitool (not a PID reused since the look).
                guard isOurs(argv) else { return report }
                report.argv = argv
                report.environment = (ProcFile.bytes("/proc/\(pid)/environ") ?? []).split(separator: 0)
                    .map { String(decoding: $0, as: UTF8.self) }
                report.leaks = SimulatedNode.pids(withCommandLineContaining: password)
                return report
            }
            usleep(2000)
        }
        return report
    }

    private func isOurs(_ argv: [String]) -> Bool {
        guard let name = argv.first, name == "ipmitool" || name.hasSuffix("/ipmitool") else { return false }
        return zip(argv, argv.dropFirst()).contains { $0 == ("-p", port) }
            && zip(argv, argv.dropFirst()).contains { $0 == ("-U", user) }
    }

    private func waitForState(of pid: Int32, _ state: Character, within timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if processState(pid) == state { return true }
            usleep(1000)
        }
        return processState(pid) == state
    }
}
