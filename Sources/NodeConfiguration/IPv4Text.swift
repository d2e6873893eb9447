/// Dotted IPv4 text, checked without Foundation or `inet_pton`, so the configuration module stays free of both.
enum IPv4Text {
    /// The address as a 32-bit number, or nil unless `text` is exactly four decimal parts of 0–255. A leading zero
    /// (`010.0.0.1`) is refused: `inet_aton` and therefore some tools read it as octal, so its meaning is ambiguous.
    static func value(of text: String) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var result: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                part == "0" || !part.hasPrefix("0"), let byte = UInt32(part), byte <= 255
            else { return nil }
            result = result << 8 | byte
        }
        return result
    }

    /// The prefix length of a dotted netmask (`255.255.255.0` → 24), or nil unless its one-bits are contiguous from
    /// the top: anything else (`255.0.255.0`) has no prefix length and would be a typo.
    static func prefixLength(ofNetmask text: String) -> Int? {
        guard let mask = value(of: text) else { return nil }
        let length = (~mask).leadingZeroBitCount
        return mask == self.mask(prefixLength: length) ? length : nil
    }

    /// The netmask of a prefix length (0–32) as a number.
    static func mask(prefixLength: Int) -> UInt32 {
        prefixLength <= 0 ? 0 : UInt32.max << UInt32(32 - min(prefixLength, 32))
    }

    /// Whether `address` lies in `network/prefixLength` (host bits of `network` are ignored, as `ip` does).
    static func contains(network: UInt32, prefixLength: Int, _ address: UInt32) -> Bool {
        let mask = mask(prefixLength: prefixLength)
        return address & mask == network & mask
    }
}
