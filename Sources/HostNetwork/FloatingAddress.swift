import Glibc

/// One floating address as the primary coordinator holds it: an IP address with its prefix
/// length, on a device. The address is kept in the kernel's canonical text form (what
/// `inet_ntop` and `ip address show` print), so an address read back from the host compares
/// equal to the one that was configured even when they were spelled differently
/// ("fd00::0001" and "fd00::1").
public struct FloatingAddress: Sendable, Hashable, CustomStringConvertible {
    public enum Family: Sendable, Hashable {
        case ipv4
        case ipv6

        public var maximumPrefixLength: Int { self == .ipv4 ? 32 : 128 }
    }

    public let address: String
    public let prefixLength: Int
    public let device: String
    public let family: Family

    /// `10.0.0.250/24`, as `ip address add` takes it.
    public var cidr: String { "\(address)/\(prefixLength)" }

    public var description: String { "\(cidr) dev \(device)" }

    public init(address: String, prefixLength: Int, device: String) throws(FloatingAddressError) {
        guard let (family, canonical) = Self.canonical(address) else {
            throw .invalidAddress(address)
        }
        guard (0...family.maximumPrefixLength).contains(prefixLength) else {
            throw .invalidPrefixLength(String(prefixLength), family: family)
        }
        try Self.checkDevice(device)
        self.address = canonical
        self.prefixLength = prefixLength
        self.device = device
        self.family = family
    }

    /// Parses "10.0.0.250/24" or "fd00::250/64" as found in PVC's configuration
    /// (`cluster.networks.*.floating_ip`). The prefix length is required: without it `ip` would
    /// assume /32, which silently breaks on-link routing for the whole subnet.
    public init(parsing text: String, device: String) throws(FloatingAddressError) {
        let trimmed = text.trimmingASCIISpaces()
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw .missingPrefixLength(text) }
        let addressText = String(parts[0])
        guard let (family, _) = Self.canonical(addressText) else {
            throw .invalidAddress(addressText)
        }
        let lengthText = String(parts[1])
        // Int("+24") parses; the configuration should not.
        guard !lengthText.isEmpty, lengthText.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              lengthText.utf8.count <= 3, let length = Int(lengthText)
        else { throw .invalidPrefixLength(lengthText, family: family) }
        try self.init(address: addressText, prefixLength: length, device: device)
    }

    /// The family and `inet_ntop` form of an address literal, nil for anything else (host
    /// names included: a floating address must not depend on a resolver).
    static func canonical(_ text: String) -> (Family, String)? {
        guard !text.isEmpty, !text.contains("%") else { return nil }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return (.ipv4, format(AF_INET, &v4) ?? text)
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return (.ipv6, format(AF_INET6, &v6) ?? text)
        }
        return nil
    }

    private static func format<T>(_ family: Int32, _ value: inout T) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let written = withUnsafeBytes(of: &value) { raw in
            buffer.withUnsafeMutableBufferPointer { out -> Bool in
                inet_ntop(family, raw.baseAddress, out.baseAddress, socklen_t(out.count)) != nil
            }
        }
        guard written else { return nil }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The kernel's own rule for interface names (IFNAMSIZ, no '/', no whitespace), so a bad
    /// name fails here with the configuration's wording rather than as an `ip` usage error.
    private static func checkDevice(_ device: String) throws(FloatingAddressError) {
        let bytes = Array(device.utf8)
        guard !bytes.isEmpty, bytes.count < Int(IFNAMSIZ), device != ".", device != "..",
              !bytes.contains(where: { $0 == UInt8(ascii: "/") || $0 <= 32 || $0 == 127 || $0 == UInt8(ascii: ":") })
        else { throw .invalidDevice(device) }
    }
}

extension String {
    func trimmingASCIISpaces() -> String {
        let bytes = Array(utf8)
        guard let first = bytes.firstIndex(where: { $0 != 32 && $0 != 9 && $0 != 10 && $0 != 13 }),
              let last = bytes.lastIndex(where: { $0 != 32 && $0 != 9 && $0 != 10 && $0 != 13 })
        else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
