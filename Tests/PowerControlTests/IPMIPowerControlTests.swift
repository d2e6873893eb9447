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
            #expect(await eventually(within: .seconds(2)) { isDead(firstPID) },
                    "node \(firstPID) still \(String(describing: processState(firstPID))) after power off")
            started = clock.now
            #expect(try await control.powerStatus() == .off)
            print("ipmitool chassis power status (off): \(milliseconds(clock.now - started)) ms")

            started = clock.now
            try await control.powerOn()
            print("ipmitool chassis power on: \(milliseconds(clock.now - started)) ms")
            let secondPID = try #require(node.bmc.nodePID())
            #expect(secondPID != firstPID)
            #expect(!isDead(secondPID))
            #expect(try await control.powerStatus() == .on)

            let log = node.bmc.powerLog()
            let off = try #require(log.first { $0.action == "off" })
            #expect(off.result == "killed \(firstPID)")
            #expect(off.pid == firstPID)
            let on = try #require(log.first { $0.action == "on" })
            #expect(on.pid == secondPID)
            #expect(on.epochMilliseconds >= off.epochMilliseconds)
            #expect(log.contains { $0.action == "status" && $0.result == "off" })
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
        // A silent BMC: each ipmitool lives through its retries (a closed port would answer with
        // ICMP unreachable and end it in milliseconds, before a scan could see it).
        let silent = try SilentUDPPort()
        defer { silent.close() }
        let port = silent.port
        let control = IPMIPowerControl(
            address: try BMCAddress(parsing: "127.0.0.1:\(port)"), username: "admin", password: password)
        let finished = Flag()
        let call = Task { () -> PowerControlError? in
            defer { finished.set() }
            do throws(PowerControlError) { _ = try await control.powerStatus(); return nil } catch { return error }
        }
        // Scan every process's command line until the call ends; the ipmitool for our port must
        // be seen at least once (so the scan overlapped the call), with the password in its
        // environment only.
        let portText = String(port)
        var sawIPMITool = false
        var sawPasswordInEnvironment = false
        var leaks: [Int32] = []
        let deadline = clock.now + .seconds(15)
        while !finished.isSet, clock.now < deadline {
            leaks += SimulatedNode.pids(withCommandLineContaining: password)
            for pid in SimulatedNode.pids(withCommandLineContaining: "ipmitool") {
                guard let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
                      String(decoding: cmdline, as: UTF8.self).split(separator: "\0").contains(Substring(portText))
                else { continue }
                sawIPMITool = true
                if let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ"),
                   String(decoding: environ, as: UTF8.self).split(separator: "\0")
                    .contains(Substring("IPMI_PASSWORD=\(password)"))
                {
                    sawPasswordInEnvironment = true
                }
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        let error = await call.value
        #expect(leaks.isEmpty, "password on the command line of \(leaks)")
        #expect(sawIPMITool)
        #expect(sawPasswordInEnvironment)
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

/// Set once, read from anywhere.
private final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
