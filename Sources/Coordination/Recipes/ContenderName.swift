/// The name of a lock contender node, as Kazoo writes and reads it:
/// `<32 lowercase hex of a UUID4><marker><sequence>`, the sequence being the server's 10 digits.
///
/// Parsing follows Kazoo's regex `(?:__lock__|__rlock__)(-?\d{10})$` (searched, not anchored at the
/// start), so that we count as contenders exactly the children Kazoo counts, and ignore the rest.
struct ContenderName: Sendable, Equatable {
    enum Marker: String, Sendable, CaseIterable {
        case lock = "__lock__"
        case readLock = "__rlock__"
    }

    let name: String
    let marker: Marker
    /// The sequence exactly as written (10 digits, with a leading '-' once the parent's counter has
    /// wrapped). Compared as a string, as Kazoo compares it: every contender must agree on the
    /// order, and Kazoo's order is the one the Python tools use.
    let sequence: String

    init?(_ name: String) {
        let bytes = Array(name.utf8)
        let digits = 10
        guard bytes.count >= digits else { return nil }
        var sequenceStart = bytes.count - digits
        // ZooKeeper only writes ASCII digits; Python's \d would also take other scripts' digits,
        // but no server ever produces those.
        guard bytes[sequenceStart...].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        if sequenceStart > 0 && bytes[sequenceStart - 1] == UInt8(ascii: "-") {
            sequenceStart -= 1
        }
        let head = bytes[..<sequenceStart]
        guard let marker = Marker.allCases.first(where: { head.ends(with: Array($0.rawValue.utf8)) }) else {
            return nil
        }
        self.name = name
        self.marker = marker
        self.sequence = String(decoding: bytes[sequenceStart...], as: UTF8.self)
    }

    /// A fresh `<uuid4 hex><marker>` prefix for one acquisition. The random part lets us find our own
    /// node again when the server created it but the answer was lost with the connection (Kazoo and
    /// Curator do the same); a fresh one per acquisition keeps two acquisitions apart.
    static func makePrefix(marker: Marker) -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        bytes[6] = (bytes[6] & 0x0f) | 0x40   // version 4
        bytes[8] = (bytes[8] & 0x3f) | 0x80   // RFC 4122 variant
        let hexDigits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(32)
        for byte in bytes {
            hex.append(hexDigits[Int(byte >> 4)])
            hex.append(hexDigits[Int(byte & 0x0f)])
        }
        return String(decoding: hex, as: UTF8.self) + marker.rawValue
    }
}

extension ArraySlice where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && self.suffix(suffix.count).elementsEqual(suffix)
    }
}
