import HostNetwork

/// A node's BMC, driven the way PVC fences: `ipmitool -I lanplus ... chassis power off|on|status`.
///
/// The password reaches ipmitool through its environment (`-E`, `IPMI_PASSWORD`), never its
/// command line, which any local user can read in /proc/PID/cmdline. Every call is bounded
/// twice: ipmitool's own retries are cut to one (`-R 1 -N 1`, ~2 s against a BMC that does not
/// answer, instead of ~20 s with its defaults), and `callTimeout` kills it (and its process
/// group) if it hangs anyway.
public struct IPMIPowerControl: Sendable, CustomStringConvertible, CustomReflectable {
    public let address: BMCAddress
    public let username: String
    private let password: String
    /// 3 (RAKP-HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128): what PVC passes, what every IPMI 2.0 BMC
    /// supports, and what spares ipmitool the cipher-suite discovery round trip it otherwise
    /// does (and warns about). Suite 17 (SHA-256) is better where the BMC has it.
    public let cipherSuite: Int
    /// 5 s: `-R 1 -N 1` makes a BMC that does not answer cost ~2 s, and a real BMC that answers
    /// takes 0.1-1.5 s per session, so 5 s only fires on an ipmitool that is stuck, while still
    /// keeping a fence decision's wait short.
    public let callTimeout: Duration
    private let runner: CommandRunner

    /// ipmitool's retransmission settings: one retry, one second each (see the type's comment).
    static let retries = 1
    static let retryIntervalSeconds = 1
    /// A session refused by a BMC that answered comes back in well under a second; no answer
    /// takes at least one full retry interval. Between the two: "it answered".
    static let answeredWithin: Duration = .milliseconds(900)

    public init(
        address: BMCAddress, username: String, password: String, cipherSuite: Int = 3,
        callTimeout: Duration = .seconds(5), runner: CommandRunner = CommandRunner()
    ) {
        self.address = address
        self.username = username
        self.password = password
        self.cipherSuite = cipherSuite
        self.callTimeout = callTimeout
        self.runner = runner
    }

    public var description: String {
        "IPMI lanplus \(username)@\(address) (cipher suite \(cipherSuite), bound \(callTimeout))"
    }

    /// Without this, `dump` and debuggers would list the stored password.
    public var customMirror: Mirror {
        Mirror(self, children: [
            "address": address, "username": username, "cipherSuite": cipherSuite, "callTimeout": callTimeout,
        ])
    }

    public func powerStatus() async throws(PowerControlError) -> PowerState {
        try Self.parseStatus(try await chassisPower("status"))
    }

    /// ipmitool prints "Chassis Power is on" / "Chassis Power is off". Compared without case and
    /// surrounding blanks: PVC once read a fenced node as still on over a case mismatch.
    static func parseStatus(_ output: String) throws(PowerControlError) -> PowerState {
        for line in output.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let words = line.trimmingBlanks().lowercased().split(separator: " ")
            guard words.count == 4, words[0] == "chassis", words[1] == "power", words[2] == "is" else { continue }
            switch words[3] {
            case "on": return .on
            case "off": return .off
            default: continue
            }
        }
        throw .unexpectedOutput(String(output.trimmingBlanks().prefix(200)))
    }

    /// Returns once the BMC has accepted the request; whether the machine is off yet is for
    /// `powerStatus` to say (a BMC may acknowledge and do nothing).
    public func powerOff() async throws(PowerControlError) {
        _ = try await chassisPower("off")
    }

    public func powerOn() async throws(PowerControlError) {
        _ = try await chassisPower("on")
    }

    /// The argv for one `chassis power ACTION`; no secret in it (the tests check).
    func arguments(_ action: String) -> [String] {
        var argv = ["ipmitool", "-I", "lanplus", "-H", address.host]
        if let port = address.port { argv += ["-p", String(port)] }
        argv += [
            "-U", username, "-E", "-C", String(cipherSuite),
            "-R", String(Self.retries), "-N", String(Self.retryIntervalSeconds),
            "chassis", "power", action,
        ]
        return argv
    }

    /// Runs one ipmitool call; its stdout on success.
    private func chassisPower(_ action: String) async throws(PowerControlError) -> String {
        let clock = ContinuousClock()
        let started = clock.now
        let output: CommandOutput
        do {
            output = try await runner.output(
                arguments(action), timeout: callTimeout, environment: ["IPMI_PASSWORD": password])
        } catch {
            switch error {
            case .notFound:
                throw .toolMissing("ipmitool not found on PATH or in /usr/sbin (install the ipmitool package)")
            case .timedOut:
                throw .timedOut(after: callTimeout)
            case .launchFailed, .failed:
                throw .unreachable(detail: "ipmitool could not be run: \(error)")
            }
        }
        guard output.succeeded else {
            let elapsed = clock.now - started
            throw .unreachable(detail: Self.detail(stderr: output.stderr, status: output.status, elapsed: elapsed))
        }
        return output.stdout
    }

    /// ipmitool says "Unable to establish IPMI v2 / RMCP+ session" both for no answer and for a
    /// refused login (only -v tells them apart, at the cost of pages of output); how long it
    /// took does too, for free.
    static func detail(stderr: String, status: Int32, elapsed: Duration) -> String {
        let first = stderr.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
            .map { $0.trimmingBlanks() }
            .first(where: { !$0.isEmpty }).map(String.init)
            ?? "ipmitool exited with status \(status) and no message"
        let millis = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        let hint = elapsed < answeredWithin
            ? "the BMC answered within \(millis) ms: wrong user name, password or cipher suite, or a refused command"
            : "no usable answer within \(millis) ms"
        return "\(first) (\(hint))"
    }
}
