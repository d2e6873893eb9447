/// The two unrelated programs Debian ships as `arping`, which take different options for the
/// same gratuitous announcement. PVC itself runs Thomas Habets' (package `arping`), which is
/// what scripts/install-deps.sh installs; iputils' (`iputils-arping`) conflicts with it and is
/// what some hosts already have, so either is accepted.
public enum ArpingFlavour: Sendable, Hashable {
    /// Habets' arping 2.x: `-i dev -S source`, `-U` unsolicited, `-P` as replies.
    case habets
    /// iputils' arping: `-I dev -s source`, `-U` unsolicited (requests), `-A` as replies.
    case iputils

    /// Tells them apart by what `arping -V` prints: iputils' prints its version ("arping from
    /// iputils ..."), Habets' has no -V without an argument and answers with its usage, which
    /// starts with "ARPing 2.x, by Thomas Habets". Nil for anything else.
    public init?(versionOutput text: String) {
        let lowered = text.lowercased()
        if lowered.contains("iputils") {
            self = .iputils
        } else if lowered.contains("habets") || lowered.contains("arping 2.") {
            self = .habets
        } else {
            return nil
        }
    }

    /// The commands that announce `address` on its device, to run in order: unsolicited ARP
    /// requests (RFC 5227's announcement), then unsolicited replies as PVC sends them.
    ///
    /// PVC sends replies only, but Linux neighbours ignore a gratuitous reply whose target
    /// hardware address is not the sender's when their entry changed less than `locktime`
    /// (1 s) ago, which is exactly the case right after a handover moved traffic; a gratuitous
    /// request overrides the lock (arp_is_garp). The replies stay for equipment that only
    /// honours those.
    public func announcements(of address: FloatingAddress, count: Int = 2) -> [[String]] {
        switch self {
        case .habets:
            // -W: 20 ms between packets instead of a second.
            let common = ["-W", "0.02", "-c", String(count), "-i", address.device,
                          "-S", address.address, address.address]
            return [["arping", "-U"] + common, ["arping", "-P", "-U"] + common]
        case .iputils:
            // iputils' interval option is not in every release: one second apart is the price,
            // well inside the command bound.
            let common = ["-c", String(count), "-I", address.device, "-s", address.address, address.address]
            return [["arping", "-U"] + common, ["arping", "-A"] + common]
        }
    }

    /// Whether a run of one of the `announcements` sent its packets. Both flavours exit 1 when nothing
    /// answered, which for an unsolicited announcement is the normal outcome, so the count of
    /// packets sent decides.
    public func announced(_ output: CommandOutput) -> Bool {
        if output.status == 0 { return true }
        guard output.status == 1 else { return false }
        let words = output.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" })
        for (index, word) in words.enumerated() {
            switch self {
            case .habets:
                // "2 packets transmitted, 0 packets received, ..."
                if word == "transmitted,", index >= 2, words[index - 1] == "packets",
                   let sent = Int(words[index - 2]) {
                    return sent > 0
                }
            case .iputils:
                // "Sent 2 probes (2 broadcast(s))"
                if word == "Sent", index + 1 < words.count, let sent = Int(words[index + 1]) {
                    return sent > 0
                }
            }
        }
        return false
    }
}
