import Foundation
import LocalServices
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// One test node seen as a machine: its daemon's PID where its BMC reads it (`DIR/node.pid`), the
/// command its BMC's power-on runs (`DIR/node.cmd`: the same daemon, the same config, the same
/// log), and what its power-off does first (`DIR/off.hook`: kill the node's guests, as a machine
/// losing power would). A node without a BMC of its own (an unreachable one) keeps these in a
/// directory of its own all the same, so that every daemon the test or a BMC started is found by
/// PID at cleanup.
final class NodeMachine: Sendable {
    let name: String
    /// The BMC's directory, or the node's own for a node without a BMC.
    let directory: String
    let bmc: SimulatedBMC?
    /// What the node's config publishes as its BMC (host:port).
    let bmcAddress: String
    private let ownsDirectory: Bool

    init(name: String, bmc: SimulatedBMC?, unreachableAddress: String?) throws {
        self.name = name
        self.bmc = bmc
        if let bmc {
            directory = bmc.directory
            bmcAddress = bmc.address
            ownsDirectory = false
        } else {
            directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("pvc-fence-\(name)-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            bmcAddress = unreachableAddress ?? "127.0.0.1:1"
            ownsDirectory = true
        }
    }

    var pidPath: String { directory + "/node.pid" }

    /// The daemon's PID as the BMC sees it.
    var pid: Int32? {
        guard let text = try? String(contentsOfFile: pidPath, encoding: .utf8) else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func record(pid: Int32) throws {
        try "\(pid)\n".write(toFile: pidPath, atomically: true, encoding: .utf8)
    }

    /// Whether `pid` is alive and still a pvcnoded (PIDs are reused; a zombie is dead).
    static func isDaemon(_ pid: Int32) -> Bool {
        guard LibvirtDaemon.isAlive(pid: pid),
              let cmdline = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))
        else { return false }
        return String(decoding: cmdline, as: UTF8.self).contains("pvcnoded")
    }

    var daemonAlive: Bool { pid.map(Self.isDaemon) ?? false }

    /// Writes node.cmd (power on: the daemon again, detached, appending to its log, its PID in
    /// node.pid) and off.hook (power off: the node's guests die with it).
    func writeScripts(binary: String, configPath: String, logPath: String, prefix: [String],
                      libvirtd: LibvirtDaemon, bootDelaySeconds: Int) throws {
        let command = (prefix + [binary, "--config", configPath]).map(Self.quoted).joined(separator: " ")
        // The PID written is the daemon's from the start: the boot wait execs into it, and its
        // command line names pvcnoded meanwhile, so the BMC reports the machine on while it boots.
        let boot = "sleep \(bootDelaySeconds); exec \(command)"
        let nodeCommand = """
            #!/bin/bash
            # Power on of \(name): after a boot delay, its pvcnoded again, as the test started it.
            export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
            cd /
            setsid bash -c \(Self.quoted(boot)) </dev/null >/dev/null 2>>\(Self.quoted(logPath)) &
            echo $! >\(Self.quoted(pidPath))

            """
        // The qemu PIDs libvirt keeps, SIGKILLed by bash builtins alone (ipmi.sh answers the BMC
        // request after waiting 0.6 s for the hook, so it should be done by then even on a loaded
        // machine); what `libvirt.sh kill-guests` does, less its checks of the mount namespace.
        let killGuests = """
            for f in \(Self.quoted(libvirtd.directory))/run/qemu/*.pid; do
                [[ -f "$f" ]] || continue
                pid=""
                read -r pid <"$f" || [[ -n "$pid" ]] || continue
                read -r comm <"/proc/$pid/comm" 2>/dev/null || continue
                [[ "$comm" == qemu* ]] || continue
                kill -KILL "$pid" && echo "off.hook: killed guest $pid ($f)"
            done
            true
            """
        let offHook = """
            #!/bin/bash
            # Power off of \(name): its guests die with the machine.
            \(killGuests)

            """
        try write(nodeCommand, to: directory + "/node.cmd")
        try write(offHook, to: directory + "/off.hook")
    }

    private func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
    }

    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// SIGKILLs the daemon the BMC knows (if it is one), and waits until it is gone.
    func killDaemon() async {
        guard let pid, Self.isDaemon(pid) else { return }
        kill(pid, SIGKILL)
        let deadline = ContinuousClock.now + .seconds(5)
        while Self.isDaemon(pid), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The BMC's `power.log`: `<epoch_ms> <action> <result>` a line. An unterminated last line is
    /// one still being written ("… on started 12" of PID 12345) and is left for the next read.
    func powerLog() -> [PowerEvent] {
        guard let data = FileManager.default.contents(atPath: directory + "/power.log") else { return [] }
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        lines.removeLast()
        return lines.compactMap { line in
            let fields = line.split(separator: " ", maxSplits: 2).map(String.init)
            guard fields.count >= 2, let epoch = Int64(fields[0]) else { return nil }
            return PowerEvent(epochMilliseconds: epoch, action: fields[1], result: fields.count > 2 ? fields[2] : "")
        }
    }

    /// Stops the BMC, then kills whatever daemon it last started; removes a directory of our own.
    func stop() async {
        if let bmc { try? await bmc.stop() }
        await killDaemon()
        if ownsDirectory { try? FileManager.default.removeItem(atPath: directory) }
    }
}

/// One line of a BMC's power.log.
public struct PowerEvent: Sendable, Equatable, CustomStringConvertible {
    public let epochMilliseconds: Int64
    /// `off`, `on`, `status`, ... as the BMC's script names them.
    public let action: String
    public let result: String

    public var date: Date { Date(timeIntervalSince1970: Double(epochMilliseconds) / 1000) }
    public var description: String { "\(epochMilliseconds) \(action) \(result)" }
}
