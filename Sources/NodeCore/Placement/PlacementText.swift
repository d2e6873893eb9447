/// Reading the text of placement keys. ZooKeeper values are written by PVC's Python and by our
/// daemon, by hand with `pvc`, or half-written by an old version: whitespace around a word is
/// forgiven, anything else unreadable becomes nil and never a crash.
enum PlacementText {
    static func trimmed(_ text: some StringProtocol) -> Substring {
        var trimmed = Substring(text)
        while trimmed.first?.isWhitespace == true { trimmed.removeFirst() }
        while trimmed.last?.isWhitespace == true { trimmed.removeLast() }
        return trimmed
    }

    /// A whole number as Python's `int()` reads it (surrounding whitespace allowed); nil when
    /// missing, garbage or out of range.
    static func integer(_ text: String?) -> Int? {
        guard let text else { return nil }
        return Int(trimmed(text))
    }

    /// A decimal as Python's `float()` reads it; nil when missing, garbage, infinite or NaN
    /// (`float("nan")` would parse in Python, but a NaN never compares and would only hide the
    /// node's real state).
    /// Swift's own spellings that Python rejects (hexadecimal `0x1p3`) are refused too.
    static func decimal(_ text: String?) -> Double? {
        guard let text else { return nil }
        let word = trimmed(text)
        guard word.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }),
              let value = Double(word), value.isFinite else { return nil }
        return value
    }

    /// A value quoted in a warning: short, so a garbage key cannot flood the log.
    static func quoted(_ text: String) -> String {
        let limit = 64
        return text.count > limit ? "'\(text.prefix(limit))…'" : "'\(text)'"
    }
}
