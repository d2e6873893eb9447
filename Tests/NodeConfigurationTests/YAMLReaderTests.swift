import TestSupport
import Testing
import Yams
@testable import NodeConfiguration

/// One form both readers' trees convert to, so "our reader agrees with Yams" is a plain equality. Scalars keep their
/// style and every node its line, because the typed reads depend on the style and the errors on the line.
indirect enum Tree: Equatable, CustomStringConvertible {
    case null(line: Int)
    case scalar(String, style: String, line: Int)
    case list([Tree], line: Int)
    case map([Pair], line: Int)

    struct Pair: Equatable {
        let key: String
        let keyLine: Int
        let value: Tree
    }

    var description: String {
        switch self {
        case .null(let line): return "null@\(line)"
        case let .scalar(text, style, line): return "\(style)(\(text.debugDescription))@\(line)"
        case let .list(items, line): return "[\(items.map(\.description).joined(separator: ", "))]@\(line)"
        case let .map(pairs, line):
            let body = pairs.map { "\($0.key.debugDescription)@\($0.keyLine): \($0.value)" }.joined(separator: ", ")
            return "{\(body)}@\(line)"
        }
    }

    init(_ node: YAMLNode) {
        switch node {
        case .scalar(let scalar):
            if scalar.isNull {
                self = .null(line: scalar.line)
            } else {
                self = .scalar(scalar.text, style: "\(scalar.style)", line: scalar.line)
            }
        case .sequence(let sequence):
            self = .list(sequence.items.map(Tree.init), line: sequence.line)
        case .mapping(let mapping):
            self = .map(
                mapping.entries.map { Pair(key: $0.key.text, keyLine: $0.key.line, value: Tree($0.value)) },
                line: mapping.line)
        }
    }

    init(yams node: Node) {
        let line = node.mark?.line ?? -1
        switch node {
        case .scalar(let scalar):
            if node.null != nil {
                self = .null(line: line)
            } else {
                let style: String
                switch scalar.style {
                case .singleQuoted: style = "singleQuoted"
                case .doubleQuoted: style = "doubleQuoted"
                case .literal: style = "literal"
                case .folded: style = "folded"
                case .plain, .any: style = "plain"
                }
                self = .scalar(scalar.string, style: style, line: line)
            }
        case .sequence(let sequence):
            self = .list(sequence.map { Tree(yams: $0) }, line: line)
        case .mapping(let mapping):
            self = .map(mapping.map { key, value in
                Pair(key: key.string ?? "<not a scalar>", keyLine: key.mark?.line ?? -1, value: Tree(yams: value))
            }, line: line)
        case .alias:
            self = .scalar("<alias>", style: "alias", line: line)
        }
    }

    /// Yams places an empty value where the next token starts, which may be a later line; where an absent value
    /// "is" has no meaning for a configuration, so null lines are not compared.
    var withoutNullLines: Tree {
        switch self {
        case .null: return .null(line: 0)
        case .scalar: return self
        case let .list(items, line): return .list(items.map(\.withoutNullLines), line: line)
        case let .map(pairs, line):
            return .map(pairs.map { Pair(key: $0.key, keyLine: $0.keyLine, value: $0.value.withoutNullLines) }, line: line)
        }
    }
}

func ourTree(_ yaml: String) throws -> Tree? {
    try YAMLReader.read(yaml).map { Tree($0).withoutNullLines }
}

func yamsTree(_ yaml: String) throws -> Tree? {
    try Yams.compose(yaml: yaml).map { Tree(yams: $0).withoutNullLines }
}

@Suite struct YAMLReaderAgreesWithYamsTests {
    @Test func sampleFileReadsAsYamsReadsIt() throws {
        let text = try sampleText()
        let ours = try #require(try ourTree(text))
        #expect(ours == (try yamsTree(text)))
        // Guards against both readers agreeing on something trivial, such as an empty document.
        guard case .map(let pairs, _) = ours else {
            Issue.record("the sample should be a mapping")
            return
        }
        #expect(pairs.count >= 10)
    }

    static let corpus: [String] = [
        // Nesting and block sequences, including lists at their key's own indentation.
        "a:\n  b:\n    c: 1\n    d: two\n  e: [x]\nf: 3\n",
        "list:\n- a\n- b\nnext: 1\n",
        "list:\n    - a\n    -   b\n    - c\n",
        // Sequences of mappings, compact and not.
        "devices:\n  - phy: ens1f0\n    mtu: 9000\n    vfcount: 7\n  - phy: ens1f1\n    vfcount: 3\n",
        "items:\n  -\n    name: a\n  - name: b\n    tags: [x, y]\n",
        "- - a\n  - b\n- - c\n",
        // Flow collections, one line and several.
        "a: [1, 'two', \"three\", {x: y}, [nested]]\nb: {}\nc: []\n",
        "m: {a: 1, b: {c: [d, e]}, 'f g': \"h\", empty: , also}\n",
        "long: [alpha, beta,\n   gamma, delta]\nwrapped: {a: 1,\n  b: 2}\n",
        "flow: [a b, c  d,  e ]\nkeyed: {k: v w}\n",
        // Every scalar style and the values the typed reads interpret.
        "plain: hello world\nsingle: 'it''s'\ndouble: \"tab\\tnew\\nquote\\\" back\\\\ \\u00e9 \\x41\"\n",
        "n1: 5\nn2: -3\nn3: 0.5\nn4: 1e3\nn5: 0x1F\nn6: .inf\nq: \"2\"\nb1: yes\nb2: False\ns: 'true'\n",
        "nulls:\n  a:\n  b: ~\n  c: null\n  d: NULL\n  e: ''\n  f: \"\"\n",
        "url: qemu:///system\naddr: \"[::1]:9101\"\nhost: bmc{node_id}.lab\ntime: 12:30\n",
        "odd: a#b\nhash: 'a # b'\ncolon: a:b\ndash: -x\nsigned: +1\n",
        // Comments everywhere.
        "# leading\na: 1 # trailing\n  # indented comment\nb:\n  # before child\n  c: 2\n# between\nd: [1, # in flow\n  2]\n",
        // Block scalars: literal, folded, chomping, indentation indicator.
        "lit: |\n  line one\n  line two\n\n  after blank\nnext: 1\n",
        "fold: >\n  folded\n  lines here\n\n  new paragraph\n    more indented\n  back\nnext: 1\n",
        "strip: |-\n  text\n\n\nkeep: |+\n  text\n\n\nclip: >\n  text\n\nend: 1\n",
        "explicit: |2\n    four spaces\n  two spaces\nitems:\n  - |\n    in a list\n  - >-\n    folded\n    item\n",
        // Multi-line plain and quoted scalars fold into one line.
        "plain: this value\n  runs over\n  three lines\nnext: 1\n",
        "double: \"wrapped\n  across lines\n\n  with a blank\"\nsingle: 'also\n  wrapped'\nesc: \"no\\\n  space\"\n",
        // Document start, CRLF line breaks, a byte-order mark, top-level indentation.
        "---\na: 1\nb: 2\n",
        "a: 1\r\nb:\r\n  - x\r\n",
        "\u{FEFF}a: 1\n\u{FEFF}b: 2\n",
        "  a: 1\n  b:\n    c: 2\n",
        "# nothing but a comment\n",
        "key with spaces: value\n\"quoted key\": 1\n'single key': 2\n",
        "unicode: héllo wörld ✓\nemoji: \"🚀\"\n",
        "list:\n  - a\n   - b\nflow: [a, b, ]\nmap: {a: 1, }\n",
        "script: |\n  # not a comment\n  echo 'hi' # nor this\n\n  done\nempty: |\nafter: >\n\n  leading blank\n",
    ]

    @Test(arguments: corpus)
    func snippetReadsAsYamsReadsIt(yaml: String) throws {
        let ours = try ourTree(yaml)
        let theirs = try yamsTree(yaml)
        #expect(ours == theirs, "ours: \(ours.map(\.description) ?? "nil")\nYams: \(theirs.map(\.description) ?? "nil")")
    }

    @Test func quotedNumbersStayStringsAndPlainOnesAreNumbers() throws {
        let node = try #require(try YAMLReader.read("a: 2\nb: \"2\"\nc: '2'\nd: yes\ne: \"yes\"\n"))
        let values = try #require(node.mapping).entries.map { $0.value.scalar }
        #expect(values.map { $0?.int } == [2, nil, nil, nil, nil])
        #expect(values.map { $0?.bool } == [nil, nil, nil, true, nil])
    }

    @Test func portAsQuotedStringIsMistypedAsBefore() {
        #expect {
            try NodeConfiguration.parse(
                yaml: minimalYAML + "database: {zookeeper: {port: \"2181\"}}\n", file: "f", hostname: "hv1")
        } throws: { error in
            (error as? ConfigurationError)?.description
                == #"f: database.zookeeper.port: expected a TCP port number (1-65535), got "2181""#
        }
    }

    @Test func integersReadAsYamsReadThem() {
        func int(_ text: String) -> Int? { YAMLScalar(text: text, style: .plain, line: 1).int }
        #expect(int("1_000") == 1000)
        #expect(int("010") == 8)
        #expect(int("0x10") == 16)
        #expect(int("-0b11") == -3)
        #expect(int("1:30") == 90)
        #expect(int("2.5") == nil)
        #expect(int("99999999999999999999:0") == nil)
        #expect(int("9223372036854775807:59") == nil)
    }
}

@Suite struct YAMLReaderRejectionTests {
    /// Each refused construct with the line the error must name.
    static let cases: [(yaml: String, line: Int, mentions: String)] = [
        ("a: 1\nb: &anchor 2\n", 2, "anchors"),
        ("a: &x 1\nb: *x\n", 1, "anchors"),
        ("a: 1\nb: *x\n", 2, "aliases"),
        ("a: 1\n\nb: !!str 2\n", 3, "tags"),
        ("a: [1, !x 2]\n", 1, "tags"),
        ("a: 1\n---\nb: 2\n", 2, "second document"),
        ("---\na: 1\n---\n", 3, "second document"),
        ("a: 1\n...\nb: 2\n", 3, "after the document end"),
        ("%YAML 1.2\n---\na: 1\n", 1, "directives"),
        ("a: 1\nb: 2\na: 3\n", 3, "duplicate key \"a\" (first at line 1)"),
        ("m: {x: 1,\n  x: 2}\n", 2, "duplicate key"),
        ("a:\n  b: 1\n    c: 2\n", 3, "bad indentation"),
        ("a:\n    b: 1\n  c: 2\n", 3, "bad indentation"),
        ("list:\n  - a\n - b\n", 3, "bad indentation"),
        ("a:\n\tb: 1\n", 2, "tab in indentation"),
        ("a: 1\nb: \"open\nc: 3\n", 2, "unterminated double-quoted"),
        ("a: 'open\n", 1, "unterminated single-quoted"),
        ("a: [1, 2\nb: 3\n", 1, "unterminated flow list"),
        ("a: {x: 1\n", 1, "unterminated flow mapping"),
        ("a:\n  b: [x,\n  y]\n", 2, "unterminated flow list"),
        ("a: [x\nb: 1]\n", 1, "unterminated flow list"),
        ("a: 1\n? complex\n: value\n", 2, "explicit keys"),
        ("a: b: c\n", 1, "mapping cannot start"),
        ("a: - b\n", 1, "list cannot start"),
        ("a:\n  - 1\n  b: 2\n", 3, "bad indentation"),
        ("a:\n- 1\n- 2\n   b: 3\n", 4, "bad indentation"),
        ("a: 1\n- 2\n", 2, "list item (`- `) where a `key: value`"),
        ("a: 1\nb: \"bad \\q escape\"\n", 2, "unknown escape"),
        ("a: \"\\u12\"\n", 1, "hexadecimal digits"),
        ("a: |x\n  text\n", 1, "block scalar header"),
        ("a: \"x\" y\n", 1, "after the closing quote"),
        ("a: [x] y\n", 1, "after the closing bracket"),
        ("[a, b]: c\n", 1, "flow collection as a mapping key"),
        ("a: [x: 1]\n", 1, "directly inside a flow list"),
        ("a: 1\nb\n", 2, "expected `key: value`"),
        ("- a\nb: 1\n", 2, "unexpected content"),
        ("a: value\n  continued: no\n", 2, "bad indentation"),
        ("a: 1\nb: \u{01}\n", 2, "control character"),
        ("a: @x\n", 1, "reserved"),
        ("a: 1\n|b: 2\n", 2, "a key cannot start with `|`"),
    ]

    @Test(arguments: cases.indices)
    func refusedConstructNamesItsLine(index: Int) {
        let (yaml, line, mentions) = Self.cases[index]
        do {
            let node = try YAMLReader.read(yaml)
            Issue.record("accepted \(yaml.debugDescription) as \(node.map { Tree($0).description } ?? "nil")")
        } catch {
            #expect(error.line == line, "\(yaml.debugDescription): \(error)")
            #expect(error.description.contains(mentions), "\(yaml.debugDescription): \(error)")
            #expect(error.description.hasPrefix("line \(line): "))
        }
    }

    @Test func yamlErrorsReachTheOperatorWithFileAndLine() throws {
        #expect {
            try NodeConfiguration.parse(yaml: minimalYAML + "timer:\n  keepalive_interval: *fast\n", file: "p.yaml")
        } throws: { error in
            (error as? ConfigurationError)?.description == "p.yaml: not valid YAML: line 5: aliases (`*`) are not supported"
                && (error as? ConfigurationError)?.kind == .malformed
        }
    }

    @Test func deepNestingIsRefusedNotACrash() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: YAMLSyntaxError.self) { try YAMLReader.read("a: " + deep + "\n") }
        var block = ""
        for level in 0..<200 { block += String(repeating: " ", count: level) + "k\(level):\n" }
        #expect(throws: YAMLSyntaxError.self) { try YAMLReader.read(block) }
    }
}


@Suite struct YAMLReaderFuzzTests {
    /// The characters YAML gives meaning to, so mutations land on the reader's decisions rather than in words.
    static let alphabet: [String] = [
        ":", " ", "-", "- ", "[", "]", "{", "}", ",", "'", "\"", "#", "|", ">", "&", "*", "!", "?", "%", "@",
        "\t", "\n", "\r\n", "\\", "\\u", "\\x4", "~", "---", "...", "  ", "é", "🚀", "\u{FEFF}", "|+2", ">-", "''",
    ]

    static func mutate(_ lines: [String], _ generator: inout SplitMix64) -> String {
        var lines = lines
        for _ in 0..<Int.random(in: 1...4, using: &generator) {
            guard !lines.isEmpty else { break }
            let index = Int.random(in: 0..<lines.count, using: &generator)
            var line = Array(lines[index])
            switch Int.random(in: 0..<6, using: &generator) {
            case 0:
                let position = Int.random(in: 0...line.count, using: &generator)
                line.insert(contentsOf: alphabet.randomElement(using: &generator) ?? "", at: position)
                lines[index] = String(line)
            case 1:
                if !line.isEmpty {
                    let from = Int.random(in: 0..<line.count, using: &generator)
                    let to = Int.random(in: from...min(line.count, from + 5), using: &generator)
                    line.removeSubrange(from..<to)
                    lines[index] = String(line)
                }
            case 2:
                lines[index] = String(repeating: " ", count: Int.random(in: 0...6, using: &generator))
                    + String(line.drop { $0 == " " })
            case 3:
                lines.insert(lines[index], at: Int.random(in: 0...lines.count, using: &generator))
            case 4:
                lines.remove(at: index)
            default:
                let other = Int.random(in: 0..<lines.count, using: &generator)
                lines.swapAt(index, other)
            }
        }
        return lines.joined(separator: "\n")
    }

    /// A crash fails the whole run; beyond that, every error must name a line inside the text, and the mutations
    /// must be strong enough to break the file sometimes and mild enough to leave it readable sometimes.
    @Test func mutatedSampleNeverCrashesTheReader() throws {
        let lines = try sampleText().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var generator = SplitMix64(seed: 20_261_121)
        var accepted = 0
        var refused = 0
        var agreedWithYams = 0
        for _ in 0..<3000 {
            let text = Self.mutate(lines, &generator)
            do {
                let ours = try YAMLReader.read(text)
                accepted += 1
                if let theirs = try? yamsTree(text), theirs == ours.map({ Tree($0).withoutNullLines }) {
                    agreedWithYams += 1
                }
            } catch {
                refused += 1
                let lineCount = text.utf8.count { $0 == 0x0A || $0 == 0x0D } + 1
                #expect((1...lineCount).contains(error.line), "\(error) for:\n\(text)")
            }
        }
        #expect(accepted > 300)
        #expect(refused > 300)
        // Most accepted mutations only touch comments or values; Yams must read those the same way.
        #expect(Double(agreedWithYams) > Double(accepted) * 0.9, "agreed \(agreedWithYams) of \(accepted)")
    }
}
