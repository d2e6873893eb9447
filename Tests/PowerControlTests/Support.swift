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

    /// Every process (but this one) whose /proc/PID/cmdline contains `text`.
    static func pids(withCommandLineContaining text: String) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        let needle = Data(text.utf8)
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry), pid != getpid(),
                  let cmdline = ProcFile.bytes("/proc/\(entry)/cmdline"),
                  Data(cmdline).range(of: needle) != nil
            else { return nil }
            return pid
        }
    }
}

/// PID's argv (empty for a zombie, a kernel thread, or a process gone).
func commandLine(of pid: Int32) -> [String] {
    (ProcFile.bytes("/proc/\(pid)/cmdline") ?? []).split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
}

/// The children of `parent`: its threads' /proc/PID/task/TID/children files (a child is listed
/// under the thread that spawned it), or, on a kernel without them, every process whose
/// /proc/PID/stat names `parent` as its parent.
func childPIDs(of parent: Int32) -> [Int32] {
    childPIDsFromTaskFiles(of: parent) ?? childPIDsFromStat(of: parent)
}

/// Nil when the kernel has no children files (CONFIG_PROC_CHILDREN).
func childPIDsFromTaskFiles(of parent: Int32) -> [Int32]? {
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(parent)/task")) ?? []
    var listed = false
    var children: [Int32] = []
    for task in tasks {
        guard let text = ProcFile.bytes("/proc/\(parent)/task/\(task)/children") else { continue }
        listed = true
        children += text.split(separator: UInt8(ascii: " ")).compactMap { Int32(String(decoding: $0, as: UTF8.self)) }
    }
    return listed ? children : nil
}

func childPIDsFromStat(of parent: Int32) -> [Int32] {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
    return entries.compactMap { entry -> Int32? in
        guard let pid = Int32(entry), let stat = ProcFile.bytes("/proc/\(entry)/stat"),
              let end = stat.lastIndex(of: UInt8(ascii: ")"))
        else { return nil }
        // After "PID (comm) ": the state, then the parent's PID.
        let fields = stat[(end + 1)...].split(separator: UInt8(ascii: " "))
        guard fields.count > 1, Int32(String(decoding: fields[1], as: UTF8.self)) == parent else { return nil }
        return pid
    }
}

/// /proc/PID/status's state letter, nil when the process is gone.
func processState(_ pid: Int32) -> Character? {
    guard let status = ProcFile.bytes("/proc/\(pid)/status") else { return nil }
    let text = String(decoding: status, as: UTF8.self)
    for line in text.split(whereSeparator: \.isNewline) where line.hasPrefix("State:") {
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

/// A UDP port on 127.0.0.1 with nothing bound to it: bound by us for a moment, then released.
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
