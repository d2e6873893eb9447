/// The JSON the schema files are written in, parsed without Foundation (whose libraries alone
/// cost the daemon ~8 MiB of resident memory). Strict RFC 8259: no comments, no trailing commas,
/// no duplicate object keys (a duplicated key in a schema file is a mistake, not an override).
/// Public because Ceph's JSON answers (StorageReports) are read and rewritten with it too.
public enum JSONValue: Sendable, Equatable {
    case object([String: JSONValue])
    case array([JSONValue])
    case string(String)
    /// A number without fraction or exponent that fits in an Int.
    case integer(Int)
    /// Any other number.
    case number(Double)
    case bool(Bool)
    case null

    /// Why a text is not JSON, at which byte of its UTF-8.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public let offset: Int
        public let reason: String
        public var description: String { "byte \(offset): \(reason)" }

        public init(offset: Int, reason: String) {
            self.offset = offset
            self.reason = reason
        }
    }

    /// Deeper nesting is rejected rather than risking the stack on hostile or broken input.
    public static let maximumDepth = 256

    public static func parse(_ text: String) throws(ParseError) -> JSONValue {
        var parser = Parser(bytes: Array(text.utf8))
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.offset == parser.bytes.count else { throw parser.error("unexpected text after the value") }
        return value
    }
}

/// Compact JSON text, for documents this project writes (Ceph's statistics under `/ceph`): the
/// same value always gives the same bytes, so an unchanged document need not be rewritten.
extension JSONValue {
    /// No whitespace; object keys sorted by their Unicode scalars; integers as integers; a double
    /// in the shortest form that parses back to the same double (`Double.description`, which is
    /// valid JSON for every finite value). JSON has no NaN or infinity: those render as `null`.
    public var rendered: String {
        var output = ""
        render(into: &output)
        return output
    }

    private func render(into output: inout String) {
        switch self {
        case .object(let members):
            output += "{"
            // Scalar order, not Swift's String order (which compares by canonical equivalence), so
            // the bytes never depend on Unicode normalisation tables.
            let sorted = members.sorted { $0.key.unicodeScalars.lexicographicallyPrecedes($1.key.unicodeScalars) }
            for (index, member) in sorted.enumerated() {
                if index > 0 { output += "," }
                Self.renderString(member.key, into: &output)
                output += ":"
                member.value.render(into: &output)
            }
            output += "}"
        case .array(let elements):
            output += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { output += "," }
                element.render(into: &output)
            }
            output += "]"
        case .string(let text):
            Self.renderString(text, into: &output)
        case .integer(let integer):
            output += String(integer)
        case .number(let number):
            output += number.isFinite ? number.description : "null"
        case .bool(let flag):
            output += flag ? "true" : "false"
        case .null:
            output += "null"
        }
    }

    /// RFC 8259 §7: quotation mark, reverse solidus and the control characters U+0000–U+001F must
    /// be escaped; everything else may pass through as UTF-8.
    private static func renderString(_ text: String, into output: inout String) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{8}": output += "\\b"
            case "\u{C}": output += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }
}

private struct Parser {
    let bytes: [UInt8]
    var offset = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    func error(_ reason: String, at position: Int? = nil) -> JSONValue.ParseError {
        JSONValue.ParseError(offset: position ?? offset, reason: reason)
    }

    var current: UInt8? { offset < bytes.count ? bytes[offset] : nil }

    mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { offset += 1 }
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws(JSONValue.ParseError) {
        guard current == byte else { throw error(current == nil ? "unexpected end, expected \(what)" : "expected \(what)") }
        offset += 1
    }

    mutating func value(depth: Int) throws(JSONValue.ParseError) -> JSONValue {
        guard let byte = current else { throw error("unexpected end, expected a value") }
        switch byte {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0") ... UInt8(ascii: "9"): return try number()
        default: throw error("expected a value")
        }
    }

    mutating func literal(_ word: String) throws(JSONValue.ParseError) {
        for expected in word.utf8 {
            guard current == expected else { throw error("expected '\(word)'") }
            offset += 1
        }
    }

    mutating func object(depth: Int) throws(JSONValue.ParseError) -> JSONValue {
        guard depth <= JSONValue.maximumDepth else { throw error("nested deeper than \(JSONValue.maximumDepth)") }
        offset += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            offset += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            let keyOffset = offset
            guard current == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try string()
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':'")
            skipWhitespace()
            guard members.updateValue(try value(depth: depth), forKey: key) == nil else {
                throw error("duplicate key '\(key)'", at: keyOffset)
            }
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                offset += 1
                continue
            }
            try expect(UInt8(ascii: "}"), "',' or '}'")
            return .object(members)
        }
    }

    mutating func array(depth: Int) throws(JSONValue.ParseError) -> JSONValue {
        guard depth <= JSONValue.maximumDepth else { throw error("nested deeper than \(JSONValue.maximumDepth)") }
        offset += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            offset += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try value(depth: depth))
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                offset += 1
                continue
            }
            try expect(UInt8(ascii: "]"), "',' or ']'")
            return .array(elements)
        }
    }

    /// The input is a Swift String, so its bytes are valid UTF-8 and can be copied through; only
    /// escapes need decoding, and they can only produce whole scalars.
    mutating func string() throws(JSONValue.ParseError) -> String {
        let start = offset
        offset += 1
        var result: [UInt8] = []
        while true {
            guard let byte = current else { throw error("unterminated string", at: start) }
            switch byte {
            case UInt8(ascii: "\""):
                offset += 1
                return String(decoding: result, as: UTF8.self)
            case UInt8(ascii: "\\"):
                offset += 1
                try escape(into: &result)
            case 0x00 ..< 0x20:
                throw error("unescaped control character in a string")
            default:
                result.append(byte)
                offset += 1
            }
        }
    }

    mutating func escape(into result: inout [UInt8]) throws(JSONValue.ParseError) {
        guard let byte = current else { throw error("unterminated escape") }
        let simple: UInt8?
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): simple = byte
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"): simple = nil
        default: throw error("invalid escape")
        }
        if let simple {
            offset += 1
            result.append(simple)
            return
        }
        let escapeStart = offset - 1
        offset += 1
        var value = try hex4()
        if (0xD800 ..< 0xDC00).contains(value) {
            // A high surrogate is only half a character: the low half must follow as \uXXXX.
            guard current == UInt8(ascii: "\\"), offset + 1 < bytes.count, bytes[offset + 1] == UInt8(ascii: "u") else {
                throw error("unpaired surrogate", at: escapeStart)
            }
            offset += 2
            let low = try hex4()
            guard (0xDC00 ..< 0xE000).contains(low) else { throw error("unpaired surrogate", at: escapeStart) }
            value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00 ..< 0xE000).contains(value) {
            throw error("unpaired surrogate", at: escapeStart)
        }
        guard let scalar = Unicode.Scalar(value) else { throw error("invalid code point", at: escapeStart) }
        result.append(contentsOf: String(Character(scalar)).utf8)
    }

    mutating func hex4() throws(JSONValue.ParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0 ..< 4 {
            guard let byte = current else { throw error("unexpected end in \\u escape") }
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0") ... UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a") ... UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A") ... UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid hex digit in \\u escape")
            }
            value = value << 4 | UInt32(digit)
            offset += 1
        }
        return value
    }

    mutating func digits() -> Int {
        let start = offset
        while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { offset += 1 }
        return offset - start
    }

    mutating func number() throws(JSONValue.ParseError) -> JSONValue {
        let start = offset
        if current == UInt8(ascii: "-") { offset += 1 }
        let integerStart = offset
        guard digits() > 0 else { throw error("expected a digit") }
        if bytes[integerStart] == UInt8(ascii: "0") && offset - integerStart > 1 {
            throw error("leading zero in a number", at: integerStart)
        }
        var isInteger = true
        if current == UInt8(ascii: ".") {
            offset += 1
            isInteger = false
            guard digits() > 0 else { throw error("expected a digit after '.'") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            offset += 1
            isInteger = false
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { offset += 1 }
            guard digits() > 0 else { throw error("expected a digit in the exponent") }
        }
        let text = String(decoding: bytes[start ..< offset], as: UTF8.self)
        if isInteger, let integer = Int(text) { return .integer(integer) }
        guard let number = Double(text), number.isFinite else { throw error("number out of range", at: start) }
        return .number(number)
    }
}
