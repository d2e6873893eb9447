/// Where a node's BMC listens, as PVC's `ipmi_hostname` names it: `host`, `host:port`,
/// `[v6]:port`, `[v6]` or a bare IPv6 address (`fd00::5`; without brackets a port cannot follow).
///
/// Parsed strictly: the host goes to ipmitool as an argument, so anything that is not a
/// hostname or an address (blanks, a leading `-`, quotes) is refused here rather than handed to
/// it.
public struct BMCAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    /// nil: ipmitool's default, 623 (the IPMI RMCP port), which is what real BMCs use.
    public var port: Int?

    public init(host: String, port: Int? = nil) {
        self.host = host
        self.port = port
    }

    public init(parsing text: String) throws(PowerControlError) {
        let trimmed = text.trimmingBlanks()
        guard !trimmed.isEmpty else { throw .badAddress(text) }

        var host: Substring
        var portText: Substring?
        var isIPv6 = false
        if trimmed.hasPrefix("[") {
            guard let close = trimmed.firstIndex(of: "]") else { throw .badAddress(text) }
            host = trimmed[trimmed.index(after: trimmed.startIndex)..<close]
            let rest = trimmed[trimmed.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { throw .badAddress(text) }
                portText = rest.dropFirst()
            }
            isIPv6 = true
        } else {
            let colons = trimmed.count(where: { $0 == ":" })
            if colons == 1, let colon = trimmed.firstIndex(of: ":") {
                host = trimmed[..<colon]
                portText = trimmed[trimmed.index(after: colon)...]
            } else {
                host = trimmed[...]
                isIPv6 = colons > 1
            }
        }

        guard Self.isValidHost(host, ipv6: isIPv6) else { throw .badAddress(text) }
        var port: Int?
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy(\.isASCIIDigit),
                  let value = Int(portText), (1...65535).contains(value)
            else { throw .badAddress(text) }
            port = value
        }
        self.host = String(host)
        self.port = port
    }

    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        guard let port else { return host }
        return "\(shownHost):\(port)"
    }

    /// A DNS name or IPv4 address (letters, digits, `.`, `-`, `_`; no leading `-` or `.`), or an
    /// IPv6 address (hex digits, `:`, `.` for a mapped IPv4 tail, `%zone`).
    private static func isValidHost(_ host: Substring, ipv6: Bool) -> Bool {
        guard let first = host.first, host.count <= 253 else { return false }
        if ipv6 {
            let (address, zone) = splitZone(host)
            guard address.count(where: { $0 == ":" }) >= 2,
                  address.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." })
            else { return false }
            return zone.allSatisfy { $0.isASCIILetterOrDigit || $0 == "-" || $0 == "_" || $0 == "." }
        }
        guard first != "-", first != "." else { return false }
        return host.allSatisfy { $0.isASCIILetterOrDigit || $0 == "." || $0 == "-" || $0 == "_" }
    }

    private static func splitZone(_ host: Substring) -> (Substring, Substring) {
        guard let percent = host.firstIndex(of: "%") else { return (host, "") }
        let zone = host[host.index(after: percent)...]
        return (host[..<percent], zone.isEmpty ? "%" : zone)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
    var isASCIILetterOrDigit: Bool { isASCII && (isLetter || isNumber) }
}

extension StringProtocol where SubSequence == Substring {
    /// Without Foundation's trimming: spaces, tabs, CR and LF at either end.
    func trimmingBlanks() -> Substring {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        let text = self[...]
        guard let start = text.firstIndex(where: { !isBlank($0) }),
              let end = text.lastIndex(where: { !isBlank($0) })
        else { return Substring() }
        return text[start...end]
    }
}
