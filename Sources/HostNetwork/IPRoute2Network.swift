import Logging
import Synchronization

/// `HostNetwork` on a Linux host: `ip` (iproute2) for the addresses, `arping` for the
/// announcement. Every command is bounded by the runner's timeout.
///
/// IPv6 addresses are added and removed but not announced: the kernel sends unsolicited
/// neighbour advertisements itself when `net.ipv6.conf.DEV.ndisc_notify` is 1, and `ndsend`
/// (package vzctl) is not in Debian 12.
public struct IPRoute2Network: HostNetwork {
    public let runner: CommandRunner
    private let logger: Logger
    private let flavour = DetectedArping()

    /// `runner`'s default timeout bounds each command (5 s unless set otherwise). Tests pass a
    /// runner whose prefix is `ip netns exec NS`, to act as a node inside a namespace.
    public init(runner: CommandRunner = CommandRunner(), logger: Logger) {
        self.runner = runner
        self.logger = logger
    }

    public func add(_ address: FloatingAddress) async throws(HostNetworkError) {
        let arguments = ["ip", "address", "add", address.cidr, "dev", address.device]
        let output = try await ipCommand(arguments)
        if output.succeeded {
            logger.info("added floating address", metadata: metadata(address, output))
        } else if Self.says(output.stderr, ["file exists", "already assigned"]) {
            logger.info("floating address already present", metadata: metadata(address, output))
        } else {
            throw failure(address, output, "could not add floating address")
        }
        if address.family == .ipv4 {
            try await announce(address)
        }
    }

    public func remove(_ address: FloatingAddress) async throws(HostNetworkError) {
        let arguments = ["ip", "address", "del", address.cidr, "dev", address.device]
        let output = try await ipCommand(arguments)
        if output.succeeded {
            logger.info("removed floating address", metadata: metadata(address, output))
        } else if Self.says(output.stderr, ["not found", "cannot assign requested address"]) {
            logger.info("floating address already absent", metadata: metadata(address, output))
        } else {
            throw failure(address, output, "could not remove floating address")
        }
    }

    public func addresses(on device: String) async throws(HostNetworkError) -> [FloatingAddress] {
        let arguments = ["ip", "-o", "address", "show", "dev", device]
        let output = try await ipCommand(arguments)
        guard output.succeeded else {
            logger.warning("could not list addresses", metadata: [
                "device": "\(device)", "command": "\(output.command.joined(separator: " "))",
                "status": "\(output.status)", "stderr": "\(output.stderr.trimmingASCIISpaces())",
            ])
            throw .command(.failed(command: output.command, status: output.status, stderr: output.stderr))
        }
        do {
            return try Self.parseAddresses(output.stdout, device: device)
        } catch {
            throw .unexpectedOutput(command: output.command, output: output.stdout)
        }
    }

    /// Parses `ip -o address show dev D`: one line per address, "IDX: DEV    inet A/L ...".
    /// The device is the one asked for, not the line's label (an alias label such as
    /// "eth0:1" is not a device).
    static func parseAddresses(_ text: String, device: String) throws(FloatingAddressError) -> [FloatingAddress] {
        var found: [FloatingAddress] = []
        for line in text.split(whereSeparator: { $0 == "\n" }) {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let index = words.firstIndex(where: { $0 == "inet" || $0 == "inet6" }),
                  index + 1 < words.count
            else { continue }
            found.append(try FloatingAddress(parsing: String(words[index + 1]), device: device))
        }
        return found
    }

    private func announce(_ address: FloatingAddress) async throws(HostNetworkError) {
        let flavour: ArpingFlavour
        do {
            flavour = try await self.flavour.get(using: runner)
        } catch {
            logger.warning("cannot announce floating address", metadata: [
                "address": "\(address)", "error": "\(error)",
            ])
            throw .announcementFailed(address, reason: error.description)
        }
        for arguments in flavour.announcements(of: address) {
            let output: CommandOutput
            do {
                output = try await runner.output(arguments)
            } catch {
                logger.warning("cannot announce floating address", metadata: [
                    "address": "\(address)", "error": "\(error)",
                ])
                throw .announcementFailed(address, reason: error.description)
            }
            guard flavour.announced(output) else {
                logger.warning("gratuitous ARP failed", metadata: metadata(address, output))
                throw .announcementFailed(
                    address,
                    reason: CommandError.failed(command: output.command, status: output.status,
                                                stderr: output.stderr).description)
            }
        }
        logger.info("announced floating address", metadata: ["address": "\(address)", "arping": "\(flavour)"])
    }

    /// Runs an `ip` command; only a missing, hung or unstartable `ip` is an error here, the
    /// exit status is for the caller to judge.
    private func ipCommand(_ arguments: [String]) async throws(HostNetworkError) -> CommandOutput {
        do {
            return try await runner.output(arguments)
        } catch {
            logger.warning("ip command did not complete", metadata: ["error": "\(error)"])
            throw .command(error)
        }
    }

    private func failure(
        _ address: FloatingAddress, _ output: CommandOutput, _ message: Logger.Message
    ) -> HostNetworkError {
        logger.warning(message, metadata: metadata(address, output))
        return .command(.failed(command: output.command, status: output.status, stderr: output.stderr))
    }

    private func metadata(_ address: FloatingAddress, _ output: CommandOutput) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "address": "\(address)", "command": "\(output.command.joined(separator: " "))",
        ]
        if !output.succeeded {
            metadata["status"] = "\(output.status)"
            metadata["stderr"] = "\(output.stderr.trimmingASCIISpaces())"
        }
        return metadata
    }

    /// iproute2's wording changed over releases ("RTNETLINK answers: File exists" before
    /// extended acks, "Error: ipv4: Address already assigned." after), so match loosely.
    private static func says(_ stderr: String, _ phrases: [String]) -> Bool {
        let lowered = stderr.lowercased()
        return phrases.contains { lowered.contains($0) }
    }
}

/// Which arping is installed, asked once: it does not change while the daemon runs, and asking
/// before every announcement would add a process to the handover's critical path.
private final class DetectedArping: Sendable {
    private let known = Mutex<ArpingFlavour?>(nil)

    func get(using runner: CommandRunner) async throws(CommandError) -> ArpingFlavour {
        if let flavour = known.withLock({ $0 }) { return flavour }
        let output = try await runner.output(["arping", "-V"])
        guard let flavour = ArpingFlavour(versionOutput: output.stdout + output.stderr) else {
            throw .failed(command: output.command, status: output.status,
                          stderr: "not a known arping (neither Habets' nor iputils'): " + output.stderr)
        }
        known.withLock { $0 = flavour }
        return flavour
    }
}
