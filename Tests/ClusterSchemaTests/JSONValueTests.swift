import TestSupport
import Testing
@testable import ClusterSchema

@Suite struct JSONValueTests {
    @Test func validDocuments() throws {
        #expect(try JSONValue.parse(#" {"a": [1, -2, 0, true, false, null, "x"], "b": {}} "#) == .object([
            "a": .array([.integer(1), .integer(-2), .integer(0), .bool(true), .bool(false), .null, .string("x")]),
            "b": .object([:]),
        ]))
        #expect(try JSONValue.parse("[]") == .array([]))
        #expect(try JSONValue.parse("\t\r\n\"\"\n") == .string(""))
        #expect(try JSONValue.parse("1.5") == .number(1.5))
        #expect(try JSONValue.parse("-2E-2") == .number(-0.02))
        #expect(try JSONValue.parse("1e2") == .number(100))
        #expect(try JSONValue.parse("9223372036854775807") == .integer(Int.max))
        #expect(try JSONValue.parse("-9223372036854775808") == .integer(Int.min))
        // Past Int, still a number.
        #expect(try JSONValue.parse("9223372036854775808") == .number(9223372036854775808))
    }

    @Test func stringEscapes() throws {
        #expect(try JSONValue.parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{8}\u{C}\n\r\t"))
        #expect(try JSONValue.parse(#""\u0041\u00e9\u20AC""#) == .string("Aé€"))
        #expect(try JSONValue.parse(#""\u0000""#) == .string("\u{0}"))
        // A surrogate pair is one scalar; raw UTF-8 passes through unchanged.
        #expect(try JSONValue.parse(#""\ud83d\ude00 😀 /schema""#) == .string("😀 😀 /schema"))
    }

    @Test(arguments: [
        ("", 0), ("   ", 3), ("{", 1), ("[1,]", 3), ("[1 2]", 3), (#"{"a" 1}"#, 5), (#"{"a":1,}"#, 7),
        (#"{a:1}"#, 1), (#"{"a":1,"a":2}"#, 7), ("01", 0), ("-", 1), ("1.", 2), ("1e", 2), ("+1", 0),
        (".5", 0), ("tru", 3), ("nul", 3), ("True", 0), (#""abc"#, 0), ("\"a\nb\"", 2), (#""\x""#, 2),
        (#""\u12""#, 5), (#""\ud83d""#, 1), (#""\ud83dx""#, 1), (#""\ude00""#, 1), (#""\ud83d\u0041""#, 1),
        ("[1] [2]", 4), ("1e999", 0), ("{}}", 2), ("[", 1), ("\u{FEFF}{}", 0), ("/* */ {}", 0),
    ])
    func malformedDocumentsNameTheirByte(text: String, offset: Int) {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(text) }
        do {
            _ = try JSONValue.parse(text)
        } catch {
            #expect(error.offset == offset, "\(text): \(error)")
        }
    }

    @Test func deepNestingIsAnErrorNotACrash() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(deep) }
        let allowed = JSONValue.maximumDepth
        let fits = String(repeating: "[", count: allowed) + String(repeating: "]", count: allowed)
        _ = try JSONValue.parse(fits)
    }

    /// Thousands of byte-level mutations of a real schema file: each must parse or throw, and
    /// whatever parses must load or throw a SchemaError, never trap.
    @Test func mutationsOfASchemaFileNeverCrash() throws {
        let original = Array(try #require(EmbeddedSchemaFiles.files.first { $0.name == "15.json" }).text.utf8)
        var random = SplitMix64(seed: 0x5C4E_3A15)
        let interesting = Array(#"{}[]",:\"u0123456789-+.eEtrfalsn "#.utf8) + [0x00, 0x0A, 0xFF, 0xC3, 0xED]
        var parsed = 0
        var rejected = 0
        for _ in 0 ..< 4000 {
            var bytes = original
            for _ in 0 ... random.next(below: 3) {
                let position = random.next(below: bytes.count)
                switch random.next(below: 5) {
                case 0: bytes[position] = interesting[random.next(below: interesting.count)]
                case 1: bytes.remove(at: position)
                case 2: bytes.insert(interesting[random.next(below: interesting.count)], at: position)
                case 3: bytes.removeSubrange(position ..< min(bytes.count, position + random.next(below: 64)))
                default: bytes = Array(bytes[..<position])
                }
                if bytes.isEmpty { bytes = [UInt8(ascii: "{")] }
            }
            // Invalid UTF-8 is repaired by String, as any text handed to the parser would be.
            let text = String(decoding: bytes, as: UTF8.self)
            do {
                let json = try JSONValue.parse(text)
                parsed += 1
                _ = try? SchemaVersion(json: json, file: "15.json")
            } catch {
                #expect(error.offset >= 0 && error.offset <= text.utf8.count)
                rejected += 1
            }
        }
        // Both outcomes must have been exercised for the fuzz to mean anything.
        #expect(parsed > 100 && rejected > 1000, "parsed \(parsed), rejected \(rejected)")
    }

    @Test func schemaFilesRejectUnknownFieldsAndWrongTypes() throws {
        func load(_ text: String) throws -> SchemaVersion {
            try SchemaVersion(json: try JSONValue.parse(text), file: "1.json")
        }
        #expect(try load(#"{"version": 1, "groups": {"base": {"keys": {"root": ""}}}}"#).version == 1)
        #expect(throws: SchemaError.self) { try load(#"{"version": 1, "groups": {"base": {"keys": {}, "default": {}}}}"#) }
        #expect(throws: SchemaError.self) { try load(#"{"version": "1", "groups": {"base": {"keys": {}}}}"#) }
        #expect(throws: SchemaError.self) { try load(#"{"version": 1.5, "groups": {"base": {"keys": {}}}}"#) }
        #expect(throws: SchemaError.self) { try load(#"{"version": 1, "groups": {"base": {"keys": {"a": 1}}}}"#) }
        #expect(throws: SchemaError.self) { try load(#"{"version": 1, "groups": {"base": {}}}"#) }
        #expect(throws: SchemaError.self) { try load(#"{"version": 1}"#) }
        #expect(throws: SchemaError.self) { try load(#"[]"#) }
        #expect(throws: SchemaError.self) {
            try SchemaExtension(json: try JSONValue.parse(#"{"groups": {"base": {"under": [], "keys": {}}}}"#), file: "extension.json")
        }
    }
}

