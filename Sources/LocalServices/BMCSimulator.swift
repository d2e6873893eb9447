import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One simulated BMC (OpenIPMI's ipmi_sim) run by `scripts/ipmi.sh`, answering IPMI 2.0 lanplus
/// on 127.0.0.1: the fencing tests' and the failover benchmark's stand-in for a node's iDRAC or
/// iLO. Its chassis is a real process: the harness writes the node's PID to `nodePIDFile`, and
/// `chassis power off` SIGKILLs it (after running `offHookFile`, if executable), `on` runs
/// `nodeCommandFile` again. See the script's header for the details.
///
/// A handle on the script's directory. The script watches this process, so a crashed test still
/// has its ipmi_sim stopped within about a second; the node is the harness's and is left alone.
public struct BMCSimulator: Sendable {
    static let scriptName = "ipmi.sh"

    /// The DIR given to the script: configs, state, logs, PID files.
    public let directory: String
    public let name: String
    /// `127.0.0.1:PORT`, as PVC's `ipmi_hostname` would hold it.
    public let address: String
    /// The UDP port ipmi_sim listens on.
    public let port: Int
    public let username: String
    /// Started with `--stuck-on`: acknowledges off, reset and soft, and does nothing.
    public let stuckOn: Bool
    /// ipmi_sim's PID (as the script recorded it), so a test can check it is gone after `stop`.
    public let pid: Int32
    private let ownsDirectory: Bool

    /// The harness writes the node's PID here (the BMC's power state is whether it lives).
    public var nodePIDFile: String { path("node.pid") }
    /// A shell script that starts the node detached and writes its PID to `nodePIDFile`; `power
    /// on` runs it (with DIR as working directory) when the node is off.
    public var nodeCommandFile: String { path("node.cmd") }
    /// Run at power off before the node is killed, when executable (e.g. `libvirt.sh kill-guests
    /// LVDIR`); it must finish within 0.6 s.
    public var offHookFile: String { path("off.hook") }
    /// One line per chassis action: `<epoch_ms> <action> <result>`. The `on` line of a node that
    /// took longer than 0.5 s to write its PID comes later (see `powerLog(within:until:)`).
    public var powerLogFile: String { path("power.log") }

    /// Starts a BMC named `name` (a label for logs) in a new temporary directory, or in
    /// `directory`. The password reaches the script through a 0600 file, not its command line.
    public static func start(
        name: String, stuckOn: Bool = false, user: String = "admin", password: String = "secret",
        directory: String? = nil
    ) async throws -> BMCSimulator {
        let service = try ServiceDirectory(directory, prefix: "pvc-ipmi")
        let dir = service.path
        let owns = service.owned
        let passwordFile = (dir as NSString).appendingPathComponent("password")
        guard FileManager.default.createFile(
            atPath: passwordFile, contents: Data(password.utf8), attributes: [.posixPermissions: 0o600])
        else {
            if owns { try? FileManager.default.removeItem(atPath: dir) }
            throw LocalServiceError.launchFailed(command: "\(scriptName) start", reason: "cannot write \(passwordFile)")
        }
        let arguments = [
            "start", dir, name, "--user", user, "--password-file", passwordFile, "--watch", String(getpid()),
        ] + (stuckOn ? ["--stuck-on"] : []) + (owns ? ["--watch-remove"] : [])
        let output: ScriptOutput
        do {
            output = try await Script.run(scriptName, arguments, timeout: 30)
        } catch {
            _ = try? await Script.run(scriptName, ["stop", dir], timeout: 30)
            if owns { try? FileManager.default.removeItem(atPath: dir) }
            throw error
        }
        let layout = readLayout(in: dir)
        let printed = output.stdout.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
        guard let address = layout["address"], address == printed,
              let port = layout["port"].flatMap(Int.init), let pid = readPID(in: dir)
        else {
            _ = try? await Script.run(scriptName, ["stop", dir], timeout: 30)
            if owns { try? FileManager.default.removeItem(atPath: dir) }
            throw LocalServiceError.unexpectedOutput(
                command: "\(scriptName) \(arguments.joined(separator: " "))", output: output.stdout)
        }
        return BMCSimulator(
            directory: dir, name: name, address: address, port: port, username: user, stuckOn: stuckOn,
            pid: pid, ownsDirectory: owns)
    }

    private init(
        directory: String, name: String, address: String, port: Int, username: String, stuckOn: Bool,
        pid: Int32, ownsDirectory: Bool
    ) {
        self.directory = directory
        self.name = name
        self.address = address
        self.port = port
        self.username = username
        self.stuckOn = stuckOn
        self.pid = pid
        self.ownsDirectory = ownsDirectory
    }

    /// Stops ipmi_sim and its watcher and removes the directory if `start` made it; the node is
    /// left running unless `killNode` (then it is powered off first, stuck or not). Safe to call
    /// twice.
    public func stop(killNode: Bool = false) async throws {
        _ = try await Script.run(Self.scriptName, ["stop", directory] + (killNode ? ["--kill-node"] : []), timeout: 30)
        if ownsDirectory {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    /// The script's status line: whether ipmi_sim runs and whether the chassis is on.
    public func status() async throws -> (running: Bool, powerOn: Bool) {
        let output = try await Script.run(Self.scriptName, ["status", directory], timeout: 30)
        let fields = output.stdout.split(whereSeparator: \.isWhitespace)
        guard fields.count == 6 else {
            throw LocalServiceError.unexpectedOutput(command: "\(Self.scriptName) status \(directory)", output: output.stdout)
        }
        return (fields[3] == "up", fields[4] == "on")
    }

    /// Records `pid` as the node (written whole, then renamed: the chassis never reads half a
    /// file).
    public func setNodePID(_ pid: Int32) throws {
        try writeAtomically("\(pid)\n", to: nodePIDFile, permissions: 0o644)
    }

    /// The script `power on` runs; it must start the node detached and write its PID to
    /// `nodePIDFile` (e.g. `echo $$ > node.pid; exec NODE...`).
    public func setNodeCommand(_ script: String) throws {
        try writeAtomically(script, to: nodeCommandFile, permissions: 0o755)
    }

    /// What power off runs before killing the node (a shell script; must finish within 0.6 s).
    public func setOffHook(_ script: String) throws {
        try writeAtomically(script, to: offHookFile, permissions: 0o755)
    }

    /// DIR/power.log, parsed; lines that do not parse are skipped, and so is an unterminated last
    /// line (one being appended: "1763712345123 on sta" would parse, as a line naming no PID).
    public func powerLog() -> [PowerLogEntry] {
        guard let data = FileManager.default.contents(atPath: powerLogFile) else { return [] }
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        lines.removeLast()  // after the last newline: empty, or a line still being written
        return lines.compactMap { PowerLogEntry(line: String($0)) }
    }

    /// DIR/power.log once `condition` holds of it, or as it is when `timeout` has passed (or the
    /// task is cancelled). For a line written after the request that caused it: `power on`
    /// answers once node.cmd is launched, and when the node takes longer than 0.5 s to write its
    /// PID (a loaded machine), the `on started PID` line follows later.
    public func powerLog(
        within timeout: Duration, until condition: ([PowerLogEntry]) -> Bool
    ) async -> [PowerLogEntry] {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            let log = powerLog()
            if condition(log) || clock.now >= deadline || Task.isCancelled { return log }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The node's current PID as the file says (whether or not it is alive).
    public func nodePID() -> Int32? {
        guard let text = try? String(contentsOfFile: nodePIDFile, encoding: .utf8) else { return nil }
        return text.split(whereSeparator: \.isWhitespace).first.flatMap { Int32($0) }
    }

    private func path(_ name: String) -> String {
        (directory as NSString).appendingPathComponent(name)
    }

    private func writeAtomically(_ text: String, to file: String, permissions: Int) throws {
        let temporary = file + ".new"
        guard FileManager.default.createFile(
            atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: permissions])
        else {
            throw LocalServiceError.launchFailed(command: "write \(file)", reason: "cannot create \(temporary)")
        }
        guard rename(temporary, file) == 0 else {
            let code = errno
            throw LocalServiceError.launchFailed(
                command: "write \(file)", reason: "rename failed: \(String(cString: strerror(code)))")
        }
    }

    private static func readPID(in directory: String) -> Int32? {
        let path = (directory as NSString).appendingPathComponent("sim.pid")
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// DIR/layout: one KEY=VALUE a line.
    private static func readLayout(in directory: String) -> [String: String] {
        let path = (directory as NSString).appendingPathComponent("layout")
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var values: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { values[parts[0]] = parts[1] }
        }
        return values
    }
}

/// One line of a simulated BMC's power.log: what the chassis did and when.
public struct PowerLogEntry: Sendable, Equatable, CustomStringConvertible {
    /// Wall-clock milliseconds since the epoch; for `off`, when the SIGKILL was sent.
    public let epochMilliseconds: Int64
    /// `status`, `off`, `on`, `reset`, `soft` or `stop-off` (ipmi.sh stop --kill-node).
    public let action: String
    /// The rest of the line: `on`/`off` for status; `killed PID`, `none` or `stuck` for off;
    /// `started PID`, `already PID`, `no-node-cmd`, `pending` (an earlier `on` still waits for
    /// its node's PID) or `launched no-pid` (none within 60 s) for on; ...
    public let result: String

    public init?(line: String) {
        let fields = line.split(separator: " ", maxSplits: 2)
        guard fields.count == 3, let time = Int64(fields[0]) else { return nil }
        epochMilliseconds = time
        action = String(fields[1])
        result = String(fields[2])
    }

    /// The PID the action killed or started, when it names one.
    public var pid: Int32? {
        let words = result.split(separator: " ")
        for (index, word) in words.enumerated() where ["killed", "started", "term", "already"].contains(word) {
            if index + 1 < words.count, let pid = Int32(words[index + 1]) { return pid }
        }
        return nil
    }

    /// Whether this line is the BMC acknowledging an action and doing nothing (--stuck-on).
    public var isStuck: Bool { result == "stuck" }

    /// Whether this is an `on` (or a reset's) that found an earlier one still waiting for its
    /// node's PID, and started nothing.
    public var isPending: Bool { result.split(separator: " ").last == "pending" }

    public var description: String { "\(epochMilliseconds) \(action) \(result)" }
}
