/// Block structure: the document, indentation-based mappings and sequences, plain scalars that run over lines.
/// Each function returns the node and the first line it did not consume, for its parent to look at.
extension YAMLReader {
    mutating func document() throws(YAMLSyntaxError) -> YAMLNode? {
        try findDocumentBounds()
        guard let first = nextContentLine(from: firstLine) else { return nil }
        let indent = try structuralIndent(of: first)
        let (root, next) = try blockNode(line: first, column: indent, parentIndent: -1, allowsCollection: true)
        if let extra = nextContentLine(from: next) {
            throw error("unexpected content after the top-level value; check the indentation", line: extra)
        }
        return root
    }

    /// A configuration is one document; a second one is refused rather than ignored, because ignoring it would drop
    /// the settings it holds without a word.
    mutating func findDocumentBounds() throws(YAMLSyntaxError) {
        var sawContent = false
        var sawStart = false
        var ended = false
        for line in 0..<lineCount {
            let offset = start(of: line)
            if isMarker(line, "---") {
                if sawContent || sawStart || ended {
                    throw error("a second document (`---`); a configuration file holds exactly one", line: line)
                }
                if !restIsEmpty(from: offset + 3) {
                    throw error("content on the `---` line is not supported; start it on the next line", line: line)
                }
                sawStart = true
                firstLine = line + 1
            } else if isMarker(line, "...") {
                if !ended { endLine = line }
                ended = true
            } else if !isEmptyOrComment(line) {
                if ended { throw error("content after the document end marker `...`", line: line) }
                if !sawContent && byte(at: offset) == UInt8(ascii: "%") {
                    throw error("directives (`%`) are not supported", line: line)
                }
                sawContent = true
            }
        }
    }

    func isMarker(_ line: Int, _ marker: StaticString) -> Bool {
        let offset = start(of: line)
        var index = 0
        var matches = true
        marker.withUTF8Buffer { buffer in
            for expected in buffer {
                if byte(at: offset + index) != expected { matches = false }
                index += 1
            }
        }
        return matches && Self.isBreakOrBlank(byte(at: offset + index))
    }

    func isSequenceEntry(_ offset: Int) -> Bool {
        byte(at: offset) == UInt8(ascii: "-") && Self.isBreakOrBlank(byte(at: offset + 1))
    }

    /// The constructs a configuration has no need for, refused where a node starts so the operator learns which
    /// line to rewrite instead of getting a different reading than other YAML tools give.
    func checkNodeStart(_ offset: Int) throws(YAMLSyntaxError) {
        let next = byte(at: offset + 1)
        switch byte(at: offset) {
        case UInt8(ascii: "&"): throw error("anchors (`&`) are not supported", at: offset)
        case UInt8(ascii: "*"): throw error("aliases (`*`) are not supported", at: offset)
        case UInt8(ascii: "!"): throw error("tags (`!`) are not supported", at: offset)
        case UInt8(ascii: "%"): throw error("directives (`%`) are not supported", at: offset)
        case UInt8(ascii: "?") where Self.isBreakOrBlank(next):
            throw error("explicit keys (`? `) are not supported", at: offset)
        case UInt8(ascii: "@"), UInt8(ascii: "`"):
            throw error("a value cannot start with `@` or a backquote (reserved in YAML); quote it", at: offset)
        case UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"):
            throw error("unexpected `\(Character(Unicode.Scalar(byte(at: offset))))`", at: offset)
        default: return
        }
    }

    /// A block node whose first character is at `column` of `line`; lines that continue it must be indented more
    /// than `parentIndent`. `allowsCollection` is false for a value on its key's line, where YAML lets no block
    /// collection start.
    mutating func blockNode(
        line: Int, column: Int, parentIndent: Int, allowsCollection: Bool
    ) throws(YAMLSyntaxError) -> (node: YAMLNode, next: Int) {
        let offset = start(of: line) + column
        try checkNodeStart(offset)
        switch byte(at: offset) {
        case UInt8(ascii: "-") where isSequenceEntry(offset):
            guard allowsCollection else {
                throw error("a list cannot start on the line of its key; put the `- ` items on the lines below", at: offset)
            }
            return try blockSequence(line: line, indent: column)
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            var cursor = offset
            flowIndent = parentIndent + 1
            let node = try flowNode(at: &cursor)
            let after = skipBlanks(from: cursor)
            if byte(at: after) == UInt8(ascii: ":") {
                throw error("a flow collection as a mapping key is not supported", at: after)
            }
            guard restIsEmpty(from: cursor) else { throw error("unexpected text after the closing bracket", at: after) }
            return (node, lineIndex(of: cursor) + 1)
        case UInt8(ascii: "|"), UInt8(ascii: ">"):
            return try blockScalar(at: offset, parentIndent: parentIndent)
        default:
            break
        }
        if let colon = keyColon(at: offset) {
            guard allowsCollection else {
                throw error("a mapping cannot start on the line of its key (a second `: ` on one line?)", at: colon)
            }
            return try blockMapping(line: line, indent: column)
        }
        let first = byte(at: offset)
        if first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") {
            var cursor = offset
            let scalar = try quotedScalar(at: &cursor)
            guard restIsEmpty(from: cursor) else {
                throw error("unexpected text after the closing quote", at: skipBlanks(from: cursor))
            }
            return (.scalar(scalar), lineIndex(of: cursor) + 1)
        }
        return try plainBlockScalar(line: line, column: column, parentIndent: parentIndent)
    }

    /// Where the `:` of a block mapping key starting at `offset` is, if one does: a quoted or plain key on this
    /// line followed by `:` and a space or the line's end (`qemu:///system` is a value, not a key).
    func keyColon(at offset: Int) -> Int? {
        let first = byte(at: offset)
        var cursor = offset
        if first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") {
            guard let close = closingQuoteOnLine(from: offset) else { return nil }
            cursor = skipBlanks(from: close + 1)
            let isColon = byte(at: cursor) == UInt8(ascii: ":") && Self.isBreakOrBlank(byte(at: cursor + 1))
            return isColon ? cursor : nil
        }
        if first == UInt8(ascii: "[") || first == UInt8(ascii: "{") { return nil }
        while true {
            let byte = byte(at: cursor)
            if byte == 0 || byte == 0x0A { return nil }
            if byte == UInt8(ascii: ":") && Self.isBreakOrBlank(self.byte(at: cursor + 1)) { return cursor }
            if isCommentStart(cursor) { return nil }
            cursor += 1
        }
    }

    func closingQuoteOnLine(from offset: Int) -> Int? {
        let quote = byte(at: offset)
        var cursor = offset + 1
        while true {
            let byte = byte(at: cursor)
            if byte == 0 || byte == 0x0A { return nil }
            if quote == UInt8(ascii: "\"") && byte == UInt8(ascii: "\\") {
                cursor += 2
                continue
            }
            if byte == quote {
                if quote == UInt8(ascii: "'") && self.byte(at: cursor + 1) == quote {
                    cursor += 2
                    continue
                }
                return cursor
            }
            cursor += 1
        }
    }

    mutating func blockMapping(line: Int, indent: Int) throws(YAMLSyntaxError) -> (node: YAMLNode, next: Int) {
        try enter(at: start(of: line) + indent)
        defer { leave() }
        var entries: [YAMLMapping.Entry] = []
        var keyLines: [String: Int] = [:]
        var line = line
        while true {
            let offset = start(of: line) + indent
            try checkNodeStart(offset)
            let first = byte(at: offset)
            if first == UInt8(ascii: "|") || first == UInt8(ascii: ">") || first == UInt8(ascii: "[")
                || first == UInt8(ascii: "{") {
                throw error("a key cannot start with `\(Character(Unicode.Scalar(first)))`; quote the key", line: line)
            }
            guard let colon = keyColon(at: offset) else {
                throw error("expected `key: value` here", line: line)
            }
            let key: YAMLScalar
            if first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") {
                var cursor = offset
                key = try quotedScalar(at: &cursor)
            } else {
                var end = colon
                while end > offset && Self.isBlank(byte(at: end - 1)) { end -= 1 }
                key = YAMLScalar(text: text(offset..<end), style: .plain, line: line + 1)
                if key.text.isEmpty { throw error("a key is missing before `:`", line: line) }
            }
            if let firstLine = keyLines[key.text] {
                throw error("duplicate key \"\(key.text)\" (first at line \(firstLine))", line: line)
            }
            keyLines[key.text] = line + 1

            let value: YAMLNode
            let next: Int
            if restIsEmpty(from: colon + 1) {
                (value, next) = try valueOnFollowingLines(after: line, parentIndent: indent, allowsSameIndentList: true)
            } else {
                let column = skipBlanks(from: colon + 1) - start(of: line)
                (value, next) = try blockNode(line: line, column: column, parentIndent: indent, allowsCollection: false)
            }
            entries.append(YAMLMapping.Entry(key: key, value: value))

            guard let following = nextContentLine(from: next) else { break }
            let followingIndent = try structuralIndent(of: following)
            if followingIndent < indent {
                return (.mapping(YAMLMapping(entries: entries, line: entries.first?.key.line ?? line + 1)), following)
            }
            if followingIndent > indent {
                throw error("bad indentation: indented more than the key above it", line: following)
            }
            if isSequenceEntry(start(of: following) + indent) {
                throw error("a list item (`- `) where a `key: value` was expected", line: following)
            }
            line = following
        }
        return (.mapping(YAMLMapping(entries: entries, line: entries.first?.key.line ?? line + 1)), endLine)
    }

    /// A value left empty on its key's (or dash's) line: whatever is indented below, or null. YAML lets a mapping's
    /// list sit at the mapping's own indentation (`key:` then `- item`), a common style.
    mutating func valueOnFollowingLines(
        after line: Int, parentIndent: Int, allowsSameIndentList: Bool
    ) throws(YAMLSyntaxError) -> (node: YAMLNode, next: Int) {
        let null = YAMLNode.scalar(YAMLScalar(text: "", style: .plain, line: line + 1))
        guard let next = nextContentLine(from: line + 1) else { return (null, endLine) }
        let indent = try structuralIndent(of: next)
        if indent > parentIndent {
            return try blockNode(line: next, column: indent, parentIndent: parentIndent, allowsCollection: true)
        }
        if indent == parentIndent && allowsSameIndentList && isSequenceEntry(start(of: next) + indent) {
            return try blockSequence(line: next, indent: indent)
        }
        return (null, next)
    }

    mutating func blockSequence(line: Int, indent: Int) throws(YAMLSyntaxError) -> (node: YAMLNode, next: Int) {
        try enter(at: start(of: line) + indent)
        defer { leave() }
        var items: [YAMLNode] = []
        let firstLine = line + 1
        var line = line
        while true {
            let dash = start(of: line) + indent
            let item: YAMLNode
            let next: Int
            if restIsEmpty(from: dash + 1) {
                (item, next) = try valueOnFollowingLines(after: line, parentIndent: indent, allowsSameIndentList: false)
            } else {
                let column = skipBlanks(from: dash + 1) - start(of: line)
                (item, next) = try blockNode(line: line, column: column, parentIndent: indent, allowsCollection: true)
            }
            items.append(item)

            guard let following = nextContentLine(from: next) else { break }
            let followingIndent = try structuralIndent(of: following)
            if followingIndent > indent {
                throw error("bad indentation: indented more than the list item above it", line: following)
            }
            guard followingIndent == indent, isSequenceEntry(start(of: following) + indent) else {
                return (.sequence(YAMLSequence(items: items, line: firstLine)), following)
            }
            line = following
        }
        return (.sequence(YAMLSequence(items: items, line: firstLine)), endLine)
    }

    /// A plain scalar in block context; it may go on over more-indented lines, which fold into one with spaces (an
    /// empty line between them keeps a line break), as YAML reads a long value wrapped across lines.
    mutating func plainBlockScalar(
        line: Int, column: Int, parentIndent: Int
    ) throws(YAMLSyntaxError) -> (node: YAMLNode, next: Int) {
        let (firstRange, firstHasComment) = plainSegment(from: start(of: line) + column)
        var result = text(firstRange)
        var next = line + 1
        if !firstHasComment {
            var breaks = 0
            var candidate = line + 1
            while candidate < endLine {
                let first = skipBlanks(from: start(of: candidate))
                let byte = byte(at: first)
                if byte == 0x0A || byte == 0 {
                    breaks += 1
                    candidate += 1
                    continue
                }
                if byte == UInt8(ascii: "#") || indent(of: candidate) <= parentIndent { break }
                let (range, hasComment) = plainSegment(from: first)
                if keyIndicator(in: range) {
                    throw error("bad indentation: a `key: value` inside a value that runs over several lines", line: candidate)
                }
                result += breaks == 0 ? " " : String(repeating: "\n", count: breaks)
                result += text(range)
                breaks = 0
                candidate += 1
                next = candidate
                if hasComment { break }
            }
        }
        return (.scalar(YAMLScalar(text: result, style: .plain, line: line + 1)), next)
    }

    /// The text of a plain scalar from `offset` to the end of its line or a comment, without trailing blanks.
    func plainSegment(from offset: Int) -> (range: Range<Int>, hasComment: Bool) {
        var cursor = offset
        var hasComment = false
        while true {
            let byte = byte(at: cursor)
            if byte == 0 || byte == 0x0A { break }
            if isCommentStart(cursor) {
                hasComment = true
                break
            }
            cursor += 1
        }
        var end = cursor
        while end > offset && Self.isBlank(byte(at: end - 1)) { end -= 1 }
        return (offset..<end, hasComment)
    }

    func keyIndicator(in range: Range<Int>) -> Bool {
        range.contains { offset in
            byte(at: offset) == UInt8(ascii: ":") && (offset + 1 == range.upperBound || Self.isBlank(byte(at: offset + 1)))
        }
    }
}
