/// Quoted scalars and block (`|`, `>`) scalars: the styles whose text is not simply what stands on the line.
extension YAMLReader {
    /// A single- or double-quoted scalar starting at `cursor`; leaves `cursor` just past the closing quote. A line
    /// break inside the quotes folds to a space (an empty line to a line break), as YAML reads wrapped strings.
    func quotedScalar(at cursor: inout Int) throws(YAMLSyntaxError) -> YAMLScalar {
        let opening = cursor
        let quote = byte(at: opening)
        let isDouble = quote == UInt8(ascii: "\"")
        let name = isDouble ? "double-quoted" : "single-quoted"
        var output: [UInt8] = []
        // Blanks are held back until something follows them on the same line: blanks before a line break are not
        // part of the value.
        var pendingBlanks: [UInt8] = []
        cursor += 1
        while true {
            let byte = byte(at: cursor)
            switch byte {
            case 0:
                throw error("unterminated \(name) string", at: opening)
            case quote where !isDouble && self.byte(at: cursor + 1) == quote:
                output += pendingBlanks
                pendingBlanks = []
                output.append(quote)
                cursor += 2
            case quote:
                output += pendingBlanks
                cursor += 1
                let text = String(decoding: output, as: UTF8.self)
                return YAMLScalar(
                    text: text, style: isDouble ? .doubleQuoted : .singleQuoted, line: lineNumber(of: opening))
            case 0x20, 0x09:
                pendingBlanks.append(byte)
                cursor += 1
            case 0x0A:
                pendingBlanks = []
                output += foldedBreaks(at: &cursor, escaped: false)
            case UInt8(ascii: "\\") where isDouble:
                output += pendingBlanks
                pendingBlanks = []
                if self.byte(at: cursor + 1) == 0x0A {
                    cursor += 1
                    output += foldedBreaks(at: &cursor, escaped: true)
                } else {
                    output += try escape(at: &cursor)
                }
            default:
                output += pendingBlanks
                pendingBlanks = []
                output.append(byte)
                cursor += 1
            }
        }
    }

    /// From a line break inside quotes: skips the following lines' leading blanks and returns what the break folds
    /// to. An escaped break (`\` at the end of a line) folds to nothing.
    private func foldedBreaks(at cursor: inout Int, escaped: Bool) -> [UInt8] {
        var emptyLines = 0
        cursor += 1
        while true {
            cursor = skipBlanks(from: cursor)
            guard byte(at: cursor) == 0x0A else { break }
            emptyLines += 1
            cursor += 1
        }
        if emptyLines > 0 { return Array(repeating: 0x0A, count: emptyLines) }
        return escaped ? [] : [0x20]
    }

    /// One backslash escape of a double-quoted scalar, as UTF-8.
    private func escape(at cursor: inout Int) throws(YAMLSyntaxError) -> [UInt8] {
        let backslash = cursor
        let letter = byte(at: cursor + 1)
        cursor += 2
        let simple: [UInt8: UInt32] = [
            UInt8(ascii: "0"): 0x00, UInt8(ascii: "a"): 0x07, UInt8(ascii: "b"): 0x08, UInt8(ascii: "t"): 0x09,
            0x09: 0x09, UInt8(ascii: "n"): 0x0A, UInt8(ascii: "v"): 0x0B, UInt8(ascii: "f"): 0x0C,
            UInt8(ascii: "r"): 0x0D, UInt8(ascii: "e"): 0x1B, UInt8(ascii: " "): 0x20, UInt8(ascii: "\""): 0x22,
            UInt8(ascii: "/"): 0x2F, UInt8(ascii: "\\"): 0x5C, UInt8(ascii: "N"): 0x85, UInt8(ascii: "_"): 0xA0,
            UInt8(ascii: "L"): 0x2028, UInt8(ascii: "P"): 0x2029,
        ]
        let value: UInt32
        if let known = simple[letter] {
            value = known
        } else {
            let digits: Int
            switch letter {
            case UInt8(ascii: "x"): digits = 2
            case UInt8(ascii: "u"): digits = 4
            case UInt8(ascii: "U"): digits = 8
            default:
                let shown = letter == 0 || letter == 0x0A ? "end of line" : "`\\\(text(backslash + 1..<backslash + 2))`"
                throw error("unknown escape \(shown) in a double-quoted string", at: backslash)
            }
            var number: UInt32 = 0
            for _ in 0..<digits {
                guard let digit = Self.hexValue(byte(at: cursor)) else {
                    throw error("`\\\(Character(Unicode.Scalar(letter)))` needs \(digits) hexadecimal digits", at: backslash)
                }
                number = number << 4 | digit
                cursor += 1
            }
            value = number
        }
        guard let scalar = Unicode.Scalar(value) else {
            throw error("escape for U+\(String(value, radix: 16, uppercase: true)) is not a valid character", at: backslash)
        }
        return Array(String(Character(scalar)).utf8)
    }

    private static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// `|` (literal: line breaks kept) or `>` (folded: lines joined with spaces, except around empty and
    /// more-indented lines), with the optional chomping (`-` strip, `+` keep) and indentation indicators. The text is
    /// the lines indented more than `parentIndent` below the header.
    mutating func blockScalar(at offset: Int, parentIndent: Int) throws(YAMLSyntaxError) -> (node: YAMLNode, next: Int) {
        let headerLine = lineIndex(of: offset)
        let isFolded = byte(at: offset) == UInt8(ascii: ">")
        var cursor = offset + 1
        var chomping: UInt8?
        var explicitIndent: Int?
        for _ in 0..<2 {
            let byte = byte(at: cursor)
            if chomping == nil && (byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")) {
                chomping = byte
                cursor += 1
            } else if explicitIndent == nil && byte >= UInt8(ascii: "1") && byte <= UInt8(ascii: "9") {
                explicitIndent = Int(byte - UInt8(ascii: "0"))
                cursor += 1
            }
        }
        guard Self.isBreakOrBlank(byte(at: cursor)), restIsEmpty(from: cursor) else {
            throw error(
                "invalid block scalar header: expected `|` or `>`, optionally `-` or `+` and a digit 1-9, then the end of the line",
                at: offset)
        }

        let contentIndent: Int
        if let explicitIndent {
            contentIndent = max(parentIndent, 0) + explicitIndent
        } else {
            var probe = headerLine + 1
            while probe < endLine && isWhitespaceOnly(probe) { probe += 1 }
            let detected = probe < endLine ? indent(of: probe) : 0
            contentIndent = max(detected, parentIndent + 1, 1)
        }

        // nil stands for an empty line.
        var lines: [Range<Int>?] = []
        var next = headerLine + 1
        while next < endLine {
            let lineStart = start(of: next)
            if indent(of: next) >= contentIndent {
                lines.append(lineStart + contentIndent..<end(of: next))
            } else if isWhitespaceOnly(next) {
                lines.append(nil)
            } else {
                break
            }
            next += 1
        }
        var trailingEmpty = 0
        while let last = lines.last, last?.isEmpty ?? true {
            lines.removeLast()
            trailingEmpty += 1
        }

        var body = ""
        if isFolded {
            body = foldedText(lines)
        } else {
            body = lines.map { line in line.map { text($0) } ?? "" }.joined(separator: "\n")
        }
        let value: String
        switch chomping {
        case UInt8(ascii: "-"): value = body
        case UInt8(ascii: "+"): value = lines.isEmpty
            ? String(repeating: "\n", count: trailingEmpty)
            : body + String(repeating: "\n", count: trailingEmpty + 1)
        default: value = lines.isEmpty ? "" : body + "\n"
        }
        let scalar = YAMLScalar(text: value, style: isFolded ? .folded : .literal, line: headerLine + 1)
        return (.scalar(scalar), next)
    }

    /// Folding per YAML 1.2 §8.1.3: a single break between two ordinary lines becomes a space, each empty line a
    /// break, and breaks around more-indented lines (which start with a blank) are kept as written.
    private func foldedText(_ lines: [Range<Int>?]) -> String {
        var result = ""
        var pendingBreaks = 0
        var started = false
        var previousMoreIndented = false
        for line in lines {
            guard let line, !line.isEmpty else {
                pendingBreaks += 1
                continue
            }
            let moreIndented = Self.isBlank(byte(at: line.lowerBound))
            if !started {
                result += String(repeating: "\n", count: pendingBreaks)
            } else if !previousMoreIndented && !moreIndented {
                result += pendingBreaks == 0 ? " " : String(repeating: "\n", count: pendingBreaks)
            } else {
                result += String(repeating: "\n", count: pendingBreaks + 1)
            }
            result += text(line)
            started = true
            previousMoreIndented = moreIndented
            pendingBreaks = 0
        }
        return result
    }

    func isWhitespaceOnly(_ line: Int) -> Bool {
        let first = skipBlanks(from: start(of: line))
        let byte = byte(at: first)
        return byte == 0x0A || byte == 0
    }
}
