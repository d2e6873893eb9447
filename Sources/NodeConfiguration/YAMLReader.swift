/// Reads the YAML that configuration files use into a `YAMLNode` tree, without Foundation (Yams needs it, and
/// Foundation's libraries alone would cost the daemon ~8 MiB of resident memory).
///
/// It reads block and flow collections, every scalar style and comments; it refuses, naming the line, what a
/// configuration file has no need for (anchors, aliases, tags, several documents, complex keys) rather than reading
/// it differently from other YAML tools. It works on UTF-8 bytes because every YAML indicator is ASCII, and a
/// multi-byte character never contains an ASCII byte.
///
/// Every read goes through `byte(at:)`, which answers 0 past either end (0 itself is refused up front as a control
/// character), so no malformed input can index out of bounds.
struct YAMLReader {
    /// Deep enough for any configuration, shallow enough that `[[[[…` cannot exhaust the stack.
    static let maximumDepth = 64

    let bytes: [UInt8]
    /// Byte offset where each line starts; `lineEnds` where its line break (or the text) ends.
    let lineStarts: [Int]
    let lineEnds: [Int]
    /// Lines from `firstLine` up to (not including) `endLine` form the document, after `---` and before `...`.
    var firstLine = 0
    var endLine = 0
    var depth = 0
    /// The column a flow collection's continuation lines must reach: YAML requires them to be indented more than
    /// the block around them, and holding to that turns a forgotten `]` into an error on its own line rather than
    /// a confusing one wherever the collection happens to stop.
    var flowIndent = 0

    /// Nil for a document with no content at all (blank, comments only), which the caller treats as empty.
    static func read(_ text: String) throws(YAMLSyntaxError) -> YAMLNode? {
        var reader = try YAMLReader(text: text)
        return try reader.document()
    }

    init(text: String) throws(YAMLSyntaxError) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var line = 1
        var previous: UInt8 = 0
        for byte in text.utf8 {
            // Line breaks are normalised to \n so the rest of the reader has one kind to deal with.
            if byte == 0x0A && previous == 0x0D {
                previous = byte
                continue
            }
            if byte == 0x0D || byte == 0x0A {
                bytes.append(0x0A)
                line += 1
            } else if (byte < 0x20 && byte != 0x09) || byte == 0x7F {
                throw YAMLSyntaxError(line: line, message: "control character \(Self.hex(byte)) is not allowed")
            } else {
                bytes.append(byte)
            }
            previous = byte
        }
        // A byte-order mark is an encoding signal, not content. libyaml drops one wherever a line's content would
        // start (a file concatenated from pieces has one in the middle) and keeps one inside a word; so do we.
        if bytes.contains(0xEF) {
            var kept: [UInt8] = []
            kept.reserveCapacity(bytes.count)
            var onlyBlanksSoFar = true
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte == 0xEF && onlyBlanksSoFar && bytes[index...].starts(with: [0xEF, 0xBB, 0xBF]) {
                    index += 3
                    continue
                }
                onlyBlanksSoFar = byte == 0x0A || (onlyBlanksSoFar && Self.isBlank(byte))
                kept.append(byte)
                index += 1
            }
            bytes = kept
        }
        self.bytes = bytes
        var starts = [0]
        var ends: [Int] = []
        for (offset, byte) in bytes.enumerated() where byte == 0x0A {
            ends.append(offset)
            starts.append(offset + 1)
        }
        ends.append(bytes.count)
        lineStarts = starts
        lineEnds = ends
        endLine = starts.count
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return byte < 0x10 ? "0x0" + digits : "0x" + digits
    }

    // MARK: Bytes and lines

    func byte(at offset: Int) -> UInt8 {
        offset >= 0 && offset < bytes.count ? bytes[offset] : 0
    }

    var lineCount: Int { lineStarts.count }

    func start(of line: Int) -> Int { line >= 0 && line < lineStarts.count ? lineStarts[line] : bytes.count }

    func end(of line: Int) -> Int { line >= 0 && line < lineEnds.count ? lineEnds[line] : bytes.count }

    /// The 0-based line holding `offset`, by binary search over the line starts.
    func lineIndex(of offset: Int) -> Int {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if start(of: middle) <= offset { low = middle } else { high = middle - 1 }
        }
        return low
    }

    /// 1-based, for messages.
    func lineNumber(of offset: Int) -> Int { lineIndex(of: offset) + 1 }

    func error(_ message: String, line: Int) -> YAMLSyntaxError {
        YAMLSyntaxError(line: line + 1, message: message)
    }

    func error(_ message: String, at offset: Int) -> YAMLSyntaxError {
        YAMLSyntaxError(line: lineNumber(of: offset), message: message)
    }

    static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    /// Space, tab, line break or the end of the text: what must follow `:` or `-` for them to be indicators.
    static func isBreakOrBlank(_ byte: UInt8) -> Bool { isBlank(byte) || byte == 0x0A || byte == 0 }

    func skipBlanks(from offset: Int) -> Int {
        var offset = offset
        while Self.isBlank(byte(at: offset)) { offset += 1 }
        return offset
    }

    /// True when nothing but blanks and perhaps a comment remains on the line from `offset`.
    func restIsEmpty(from offset: Int) -> Bool {
        let next = skipBlanks(from: offset)
        let byte = byte(at: next)
        return byte == 0x0A || byte == 0 || isCommentStart(next)
    }

    /// `#` starts a comment only at the start of a line or after whitespace; `a#b` is one word.
    func isCommentStart(_ offset: Int) -> Bool {
        guard byte(at: offset) == UInt8(ascii: "#") else { return false }
        let before = byte(at: offset - 1)
        return offset == 0 || Self.isBreakOrBlank(before)
    }

    /// The number of leading spaces.
    func indent(of line: Int) -> Int {
        skipSpaces(from: start(of: line)) - start(of: line)
    }

    func skipSpaces(from offset: Int) -> Int {
        var offset = offset
        while byte(at: offset) == 0x20 { offset += 1 }
        return offset
    }

    /// Blank or only a comment: lines the block structure skips.
    func isEmptyOrComment(_ line: Int) -> Bool {
        let first = skipBlanks(from: start(of: line))
        let byte = byte(at: first)
        return byte == 0x0A || byte == 0 || byte == UInt8(ascii: "#")
    }

    func nextContentLine(from line: Int) -> Int? {
        var line = line
        while line < endLine {
            if !isEmptyOrComment(line) { return line }
            line += 1
        }
        return nil
    }

    /// The indentation of a line that carries block structure. YAML forbids tabs there because their width is
    /// anyone's guess, and guessing would silently nest a key under the wrong parent.
    func structuralIndent(of line: Int) throws(YAMLSyntaxError) -> Int {
        let indent = indent(of: line)
        if byte(at: start(of: line) + indent) == 0x09 {
            throw error("tab in indentation; indent with spaces only", line: line)
        }
        return indent
    }

    func text(_ range: Range<Int>) -> String {
        let lower = max(0, min(range.lowerBound, bytes.count))
        let upper = max(lower, min(range.upperBound, bytes.count))
        return String(decoding: bytes[lower..<upper], as: UTF8.self)
    }

    mutating func enter(at offset: Int) throws(YAMLSyntaxError) {
        depth += 1
        if depth > Self.maximumDepth {
            throw error("nested more than \(Self.maximumDepth) levels deep", at: offset)
        }
    }

    mutating func leave() { depth -= 1 }
}
