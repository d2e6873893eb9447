import ClusterSchema
import Testing

@Suite struct RenderingTests {
    @Test func compactSortedAndEscaped() {
        let value = JSONValue.object([
            "b": .array([.integer(-3), .bool(true), .bool(false), .null]),
            "a": .string("q\"b\\s/\n\r\t\u{8}\u{C}\u{1}\u{1F} é😀"),
            "A": .object([:]),
        ])
        #expect(value.rendered == #"{"A":{},"a":"q\"b\\s/\n\r\t\b\f\u0001\u001f é😀","b":[-3,true,false,null]}"#)
    }

    @Test func numbersRoundTripAndNonFiniteIsNull() throws {
        #expect(JSONValue.integer(Int.min).rendered == "-9223372036854775808")
        #expect(JSONValue.number(.nan).rendered == "null")
        #expect(JSONValue.number(.infinity).rendered == "null")
        #expect(JSONValue.array([.number(-.infinity)]).rendered == "[null]")
        for number in [0.1, 1.0, -0.0, 1e-5, 1e16, .greatestFiniteMagnitude, .leastNonzeroMagnitude, 0.016758192330598831, 3.3240318298339844] {
            let text = JSONValue.number(number).rendered
            #expect(try JSONValue.parse(text) == .number(number), "\(text)")
        }
    }

    @Test func everyCapturedJSONAnswerRoundTrips() throws {
        for text in [Fixtures.health, Fixtures.healthWarn, Fixtures.healthDown, Fixtures.dfJSON, Fixtures.radosDF,
                     Fixtures.osdDump, Fixtures.osdDumpDown, Fixtures.osdDF, Fixtures.osdDFDown] {
            let value = try JSONValue.parse(text)
            #expect(try JSONValue.parse(value.rendered) == value)
            #expect(try JSONValue.parse(value.rendered).rendered == value.rendered)
        }
    }
}
