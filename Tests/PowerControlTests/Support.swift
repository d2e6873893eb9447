import Foundation
import LocalServices
@testable import PowerControl

#if canImport(Glibc)
import Glibc
#endif

/// A real ipmi_sim whose chassis is a real `sleep 600` (renamed with a unique marker, so cleanup
/// only ever signals our own processes), plus the IPMIPowerControl that talks to it.
struct SimulatedNode {
    let bmc: BMCSimulator
    let marker: String
    /// The first node, our child through Foundation's Process (which reaps it when it dies).
    let first: Process

    static func start(stuckOn: Bool = false, password: String = "secret-\(UInt32.random(in: 0...UInt32.max))") async throws
        -> (SimulatedNode, IPMIPowerControl)
    {
        let marker = "pvc-ipmi-node-\(UUID().uuidString.prefix(8))"
        let bmc = try await BMCSimulator.start(name: "ctl-test", stuckOn: stuckOn, password: password)
        do {
            // What `power on` runs: a fresh node, PID recorded by the node itself.
            try bmc.setNodeCommand("echo $$ > node.pid\nexec -a \(marker) sleep 600\n")
            let first = Process()
            first.executableURL = URL(fileURLWithPath: "/bin/bash")
            first.arguments = ["-c", "exec -a \(marker) sleep 600"]
            first.standardInput = FileHandle.nullDevice
            first.standardOutput = FileHandle.nullDevice
            first.standardError = FileHandle.nullDevice
            try first.run()
            try bmc.setNodePID(first.processIdentifier)
            let control = IPMIPowerControl(
                address: try BMCAddress(parsing: bmc.address), username: bmc.username, password: password)
            return (SimulatedNode(bmc: bmc, marker: marker, first: first), control)
        } catch {
            try? await bmc.stop()
            throw error
        }
    }

    /// Stops the BMC and SIGKILLs every process that carries our marker (the first node and any
    /// started by `power on`), each by PID.
    func cleanUp() async {
        try? await bmc.stop()
        for pid in Self.pids(withCommandLineContaining: marker) {
            kill(pid, SIGKILL)
        }
        if first.isRunning { kill(first.processIdentifier, SIGKILL) }
    }

    /// Every process whose /proc/PID/cmdline contains `text`.
    static func pids(withCommandLineContaining text: String) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        let needle = Data(text.utf8)
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry), pid != getpid(),
                  let cmdline = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
                  cmdline.range(of: needle) != nil
            else { return nil }
            return pid
        }
    }
}

/// /proc/PID/status's state letter, nil when the process is gone.
func processState(_ pid: Int32) -> Character? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    for line in status.split(whereSeparator: \.isNewline) where line.hasPrefix("State:") {
        return line.dropFirst("State:".count).trimmingCharacters(in: .whitespaces).first
    }
    return nil
}

/// Gone, a zombie or dead-but-not-reaped: what a powered-off machine's process looks like.
func isDead(_ pid: Int32) -> Bool {
    guard let state = processState(pid) else { return true }
    return state == "Z" || state == "X"
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
func eventually(
    within timeout: Duration = .seconds(5), _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}

/// A UDP port on 127.0.0.1 with nothing bound to it: bound by us for a moment, then released.
/// A UDP port with a socket bound that never answers: a BMC that takes requests and stays silent,
/// so ipmitool waits out its retries instead of failing at once on ICMP port unreachable.
final class SilentUDPPort: @unchecked Sendable {
    private let fd: Int32
    let port: Int

    init() throws {
        fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        do {
            port = try boundPort(fd)
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    func close() { Glibc.close(fd) }
}

func unusedUDPPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EMFILE) }
    defer { close(fd) }
    return try boundPort(fd)
}

/// Binds `fd` to 127.0.0.1 on a port the kernel picks, and returns that port.
private func boundPort(_ fd: Int32) throws -> Int {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0 else { throw POSIXError(.EINVAL) }
    return Int(UInt16(bigEndian: address.sin_port))
}

func milliseconds(_ duration: Duration) -> Int64 {
    duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
}
