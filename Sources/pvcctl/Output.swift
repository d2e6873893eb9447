import Foundation

/// Human tables and JSON, both on stdout.
enum Output {
    /// Columns padded to their widest cell, two spaces apart, header first.
    static func table(header: [String], rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func line(_ cells: [String]) -> String {
            var text = ""
            for (index, cell) in cells.enumerated() {
                let isLast = index == cells.count - 1
                text += isLast ? cell : cell.padding(toLength: widths[index] + 2, withPad: " ", startingAt: 0)
            }
            return text
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }

    /// Pretty-printed JSON with sorted keys; `value` is made of dictionaries, arrays, strings,
    /// numbers and NSNull.
    static func json(_ value: Any) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: value,
                                              options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        guard let text = String(data: data, encoding: .utf8) else {
            throw CtlError("the JSON output is not UTF-8")
        }
        return text
    }

    /// A value fit for one table cell: "?" when missing or not UTF-8, control characters shown as
    /// spaces, long values cut.
    static func cell(_ value: String?, limit: Int = 40) -> String {
        guard let value else { return "?" }
        let clean = String(String.UnicodeScalarView(value.unicodeScalars.map {
            $0.properties.generalCategory == .control ? " " : $0
        }))
        if clean.isEmpty { return "\"\"" }
        if clean.count <= limit { return clean }
        return String(clean.prefix(limit - 1)) + "…"
    }

    static func jsonValue(_ value: String?) -> Any { value ?? NSNull() }
    static func jsonValue(_ value: Int?) -> Any { value ?? NSNull() }
    static func jsonValue(_ value: Double?) -> Any { value ?? NSNull() }
}
