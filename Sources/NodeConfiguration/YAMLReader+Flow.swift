/// Flow collections, `[a, b]` and `{a: 1}`, which may run over several lines (a long list wrapped by hand).
extension YAMLReader {
    static func isFlowIndicator(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ",") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]")
            || byte == UInt8(ascii: "{") || byte == UInt8(ascii: "}")
    }

    /// A `:` that separates a key from its value inside brackets: followed by a blank, a line break or an indicator.
    func isFlowValueIndicator(_ offset: Int) -> Bool {
        guard byte(at: offset) == UInt8(ascii: ":") else { return false }
        let next = byte(at: offset + 1)
        return Self.isBreakOrBlank(next) || Self.isFlowIndicator(next)
    }

    /// The node at `cursor`; leaves `cursor` just past it.
    mutating func flowNode(at cursor: inout Int) throws(YAMLSyntaxError) -> YAMLNode {
        try checkNodeStart(cursor)
        let first = byte(at: cursor)
        switch first {
        case UInt8(ascii: "["):
            return try flowSequence(at: &cursor)
        case UInt8(ascii: "{"):
            return try flowMapping(at: &cursor)
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            return .scalar(try quotedScalar(at: &cursor))
        case UInt8(ascii: "|"), UInt8(ascii: ">"):
            throw error("block scalars (`|`, `>`) cannot appear inside brackets", at: cursor)
        case UInt8(ascii: "-") where Self.isBreakOrBlank(byte(at: cursor + 1)) || Self.isFlowIndicator(byte(at: cursor + 1)):
            throw error("a block list item (`- `) cannot appear inside brackets", at: cursor)
        default:
            let scalar = plainFlowScalar(at: &cursor)
            if scalar.text.isEmpty { throw error("expected a value", at: cursor) }
            return .scalar(scalar)
        }
    }

    /// Blanks, line breaks and comments between flow tokens.
    func skipFlowSpace(from offset: Int) -> Int {
        var cursor = offset
        while true {
            let byte = byte(at: cursor)
            if Self.isBlank(byte) || byte == 0x0A {
                cursor += 1
            } else if isCommentStart(cursor) {
                while self.byte(at: cursor) != 0x0A && self.byte(at: cursor) != 0 { cursor += 1 }
            } else {
                return cursor
            }
        }
    }

    /// Refuses a token on a later line that is not indented past the surrounding block: the collection was
    /// never closed.
    func checkFlowContinuation(_ cursor: Int, opening: Int, unterminated: YAMLSyntaxError) throws(YAMLSyntaxError) {
        let line = lineIndex(of: cursor)
        if line != lineIndex(of: opening) && cursor - start(of: line) < flowIndent { throw unterminated }
    }

    mutating func flowSequence(at cursor: inout Int) throws(YAMLSyntaxError) -> YAMLNode {
        let opening = cursor
        try enter(at: opening)
        defer { leave() }
        let unterminated = error("unterminated flow list: no `]` for the `[` here", at: opening)
        var items: [YAMLNode] = []
        cursor += 1
        while true {
            cursor = skipFlowSpace(from: cursor)
            try checkFlowContinuation(cursor, opening: opening, unterminated: unterminated)
            switch byte(at: cursor) {
            case 0: throw unterminated
            case UInt8(ascii: "]"):
                cursor += 1
                return .sequence(YAMLSequence(items: items, line: lineNumber(of: opening)))
            default: break
            }
            items.append(try flowNode(at: &cursor))
            cursor = skipFlowSpace(from: cursor)
            try checkFlowContinuation(cursor, opening: opening, unterminated: unterminated)
            switch byte(at: cursor) {
            case UInt8(ascii: ","):
                cursor += 1
            case UInt8(ascii: "]"):
                cursor += 1
                return .sequence(YAMLSequence(items: items, line: lineNumber(of: opening)))
            case UInt8(ascii: ":"):
                throw error("`key: value` pairs directly inside a flow list are not supported; write {key: value}", at: cursor)
            case 0:
                throw unterminated
            default:
                throw error("expected `,` or `]` in a flow list", at: cursor)
            }
        }
    }

    mutating func flowMapping(at cursor: inout Int) throws(YAMLSyntaxError) -> YAMLNode {
        let opening = cursor
        try enter(at: opening)
        defer { leave() }
        let unterminated = error("unterminated flow mapping: no `}` for the `{` here", at: opening)
        var entries: [YAMLMapping.Entry] = []
        var keyLines: [String: Int] = [:]
        cursor += 1
        while true {
            cursor = skipFlowSpace(from: cursor)
            try checkFlowContinuation(cursor, opening: opening, unterminated: unterminated)
            switch byte(at: cursor) {
            case 0: throw unterminated
            case UInt8(ascii: "}"):
                cursor += 1
                return .mapping(YAMLMapping(entries: entries, line: lineNumber(of: opening)))
            default: break
            }
            try checkNodeStart(cursor)
            let key: YAMLScalar
            switch byte(at: cursor) {
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                throw error("a flow collection as a mapping key is not supported", at: cursor)
            case UInt8(ascii: "|"), UInt8(ascii: ">"):
                throw error("block scalars (`|`, `>`) cannot appear inside brackets", at: cursor)
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                key = try quotedScalar(at: &cursor)
            default:
                key = plainFlowScalar(at: &cursor)
                if key.text.isEmpty { throw error("a key is missing before `:`", at: cursor) }
            }
            if let firstLine = keyLines[key.text] {
                throw error("duplicate key \"\(key.text)\" (first at line \(firstLine))", line: key.line - 1)
            }
            keyLines[key.text] = key.line

            cursor = skipFlowSpace(from: cursor)
            try checkFlowContinuation(cursor, opening: opening, unterminated: unterminated)
            var value = YAMLNode.scalar(YAMLScalar(text: "", style: .plain, line: key.line))
            if byte(at: cursor) == UInt8(ascii: ":") {
                cursor = skipFlowSpace(from: cursor + 1)
                try checkFlowContinuation(cursor, opening: opening, unterminated: unterminated)
                let next = byte(at: cursor)
                if next != UInt8(ascii: ",") && next != UInt8(ascii: "}") && next != 0 {
                    value = try flowNode(at: &cursor)
                    cursor = skipFlowSpace(from: cursor)
                    try checkFlowContinuation(cursor, opening: opening, unterminated: unterminated)
                }
            }
            entries.append(YAMLMapping.Entry(key: key, value: value))
            switch byte(at: cursor) {
            case UInt8(ascii: ","):
                cursor += 1
            case UInt8(ascii: "}"):
                cursor += 1
                return .mapping(YAMLMapping(entries: entries, line: lineNumber(of: opening)))
            case 0:
                throw unterminated
            default:
                throw error("expected `,` or `}` in a flow mapping", at: cursor)
            }
        }
    }

    /// A plain scalar inside brackets: it ends at an indicator, a `: `, or a comment, and folds line breaks as a
    /// plain scalar does elsewhere. Leaves `cursor` at the first byte that is not part of it.
    func plainFlowScalar(at cursor: inout Int) -> YAMLScalar {
        let opening = cursor
        var output: [UInt8] = []
        while true {
            let byte = byte(at: cursor)
            if byte == 0 || Self.isFlowIndicator(byte) || isFlowValueIndicator(cursor) { break }
            if Self.isBlank(byte) || byte == 0x0A {
                var lookahead = cursor
                var breaks = 0
                var blanks: [UInt8] = []
                while Self.isBlank(self.byte(at: lookahead)) || self.byte(at: lookahead) == 0x0A {
                    if self.byte(at: lookahead) == 0x0A { breaks += 1 } else { blanks.append(self.byte(at: lookahead)) }
                    lookahead += 1
                }
                let next = self.byte(at: lookahead)
                let column = lookahead - start(of: lineIndex(of: lookahead))
                if next == 0 || next == UInt8(ascii: "#") || Self.isFlowIndicator(next) || isFlowValueIndicator(lookahead)
                    || (breaks > 0 && column < flowIndent) {
                    break
                }
                switch breaks {
                case 0: output += blanks
                case 1: output.append(0x20)
                default: output += Array(repeating: 0x0A, count: breaks - 1)
                }
                cursor = lookahead
                continue
            }
            output.append(byte)
            cursor += 1
        }
        return YAMLScalar(text: String(decoding: output, as: UTF8.self), style: .plain, line: lineNumber(of: opening))
    }
}
