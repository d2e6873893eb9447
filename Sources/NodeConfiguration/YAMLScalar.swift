/// One scalar as written. The style is kept because YAML's types hang on it: a plain `2` may be read as a number,
/// a quoted `"2"` is always a string, and only a plain `null` or empty value means null.
struct YAMLScalar: Sendable, Equatable {
    enum Style: Sendable, Equatable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    let text: String
    let style: Style
    let line: Int

    var isPlain: Bool { style == .plain }

    /// The YAML 1.1 null spellings Yams resolved, so a config that meant "default" still means it.
    var isNull: Bool {
        guard isPlain else { return false }
        switch text {
        case "", "~", "null", "Null", "NULL": return true
        default: return false
        }
    }

    /// Exactly the spellings Yams' resolver tagged as booleans; `TrUe` or a quoted `"true"` stay strings, as before.
    var bool: Bool? {
        guard isPlain else { return nil }
        switch text {
        case "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON": return true
        case "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF": return false
        default: return nil
        }
    }

    /// As Yams read integers: plain only, `_` ignored, `0x`/`0b`/`0o` and a leading `0` (octal) as radix prefixes,
    /// `a:b:c` as base 60. Overflow gives nil where Yams would have trapped.
    var int: Int? {
        guard isPlain else { return nil }
        let digits = text.filter { $0 != "_" }
        if digits == "0" { return 0 }
        let negative = digits.hasPrefix("-")
        let signed = negative || digits.hasPrefix("+")
        let unsigned = signed ? digits.dropFirst() : Substring(digits)
        let sign = negative ? "-" : ""
        for (prefix, radix) in [("0x", 16), ("0b", 2), ("0o", 8), ("0", 8)] where unsigned.hasPrefix(prefix) {
            return Int(sign + unsigned.dropFirst(prefix.count), radix: radix)
        }
        if unsigned.contains(":") {
            return Self.sexagesimalInt(digits)
        }
        return Int(digits)
    }

    /// As Yams read floats: plain only, `.inf`/`.nan` in any case, `_` ignored, base 60 with `:`, otherwise
    /// whatever Swift's own `Double` parser accepts.
    var double: Double? {
        guard isPlain else { return nil }
        switch text.lowercased() {
        case ".inf", "+.inf": return .infinity
        case "-.inf": return -.infinity
        case ".nan": return .nan
        default:
            let digits = text.filter { $0 != "_" }
            if digits.contains(":") {
                return Self.sexagesimalDouble(digits)
            }
            return Double(digits)
        }
    }

    /// Splits off the sign and the `:`-separated digits, most significant first.
    private static func sexagesimalParts(_ text: String) -> (negative: Bool, parts: [Substring]) {
        var body = Substring(text)
        let negative = body.hasPrefix("-")
        if negative || body.hasPrefix("+") { body = body.dropFirst() }
        return (negative, body.split(separator: ":", omittingEmptySubsequences: false))
    }

    private static func sexagesimalInt(_ text: String) -> Int? {
        let (negative, parts) = sexagesimalParts(text)
        var value = 0
        for part in parts {
            guard let digit = Int(part, radix: 10) else { return nil }
            let (shifted, overflowed) = value.multipliedReportingOverflow(by: 60)
            let (sum, overflowedAgain) = shifted.addingReportingOverflow(digit)
            guard !overflowed, !overflowedAgain else { return nil }
            value = sum
        }
        return negative ? (value == Int.min ? nil : -value) : value
    }

    private static func sexagesimalDouble(_ text: String) -> Double? {
        let (negative, parts) = sexagesimalParts(text)
        var value = 0.0
        for part in parts {
            guard let digit = Double(part) else { return nil }
            value = value * 60 + digit
        }
        return negative ? -value : value
    }
}
