import ClusterSchema
import Testing
@testable import StorageReports

@Suite struct PoolStatsTests {
    @Test func documentsFromTheRealClusterHaveItsFigures() throws {
        let documents = try PoolStatsReport.documents(dfJSON: Fixtures.dfJSON, figures: try radosFigures())
        #expect(Set(documents.keys) == ["rbd", "backup", "device_health_metrics"])
        let rbd = try #require(documents["rbd"])
        #expect(rbd == .object([
            "id": .integer(1), "stored_bytes": .integer(16_777_289), "free_bytes": .integer(984_362_176),
            "used_bytes": .integer(16_777_289), "used_percent": .number(0.016758192330598831),
            "num_objects": .integer(21), "num_object_clones": .integer(0), "num_object_copies": .integer(21),
            "num_objects_missing_on_primary": .integer(0), "num_objects_unfound": .integer(0),
            "num_objects_degraded": .integer(0), "read_ops": .integer(139), "read_bytes": .integer(113_664),
            "write_ops": .integer(347), "write_bytes": .integer(16_816_128),
        ]))
        let backup = try #require(documents["backup"])
        #expect(backup["id"] == .integer(3))
        #expect(backup["num_objects"] == .integer(13))
        #expect(backup["read_ops"] == .integer(91))
        #expect(backup["write_bytes"] == .integer(4_216_832))
        #expect(documents["device_health_metrics"]?["num_objects"] == .integer(0))
        // The published text: PVC's fields, compact, keys sorted, and it parses back.
        #expect(rbd.rendered.hasPrefix(#"{"free_bytes":984362176,"id":1,"num_object_clones":0,"#))
        #expect(try JSONValue.parse(rbd.rendered) == rbd)
    }

    /// The captured `ceph df` lists pools by id (rbd, device_health_metrics, backup) and
    /// `rados df` by name (backup, device_health_metrics, rbd): PVC's pairing by position would
    /// give rbd backup's counters. By name, each pool gets its own.
    @Test func poolsArePairedByNameWhateverTheOrder() throws {
        let documents = try PoolStatsReport.documents(dfJSON: Fixtures.dfJSON, figures: try radosFigures())
        #expect(documents["rbd"]?["id"] == .integer(1))
        #expect(documents["rbd"]?["num_object_copies"] == .integer(21))
        #expect(documents["backup"]?["id"] == .integer(3))
        #expect(documents["backup"]?["num_object_copies"] == .integer(13))

        // The same pools in reverse order in `ceph df`: the same documents.
        var json = try JSONValue.parse(Fixtures.dfJSON)
        guard case .object(var top) = json, case .array(let pools)? = top["pools"] else {
            Issue.record("fixture shape")
            return
        }
        top["pools"] = .array(pools.reversed())
        json = .object(top)
        #expect(try PoolStatsReport.documents(dfJSON: json.rendered, figures: try radosFigures()) == documents)
    }

    @Test func aPoolOnOneSideOnlyGetsNullsForTheOtherSide() throws {
        var figures = try radosFigures()
        figures["rbd"] = nil
        figures["created-meanwhile"] = PoolFigures(numObjects: 5, numRd: 2, numRdKB: 3)
        let documents = try PoolStatsReport.documents(dfJSON: Fixtures.dfJSON, figures: figures)
        let rbd = try #require(documents["rbd"])
        #expect(rbd["id"] == .integer(1))
        #expect(rbd["num_objects"] == .integer(21))
        #expect(rbd["read_ops"] == .null && rbd["num_object_copies"] == .null)
        let new = try #require(documents["created-meanwhile"])
        #expect(new["id"] == .null && new["stored_bytes"] == .null)
        // librados' object count stands in for `ceph df`'s.
        #expect(new["num_objects"] == .integer(5))
        #expect(new["read_bytes"] == .integer(3072))
    }

    @Test func aPoolEntryMissingFieldsGetsNullsTheRestIsProduced() throws {
        let df = #"{"pools":[{"name":"rbd","id":1,"stats":{"stored":10,"objects":"many"}},{"name":"x"},{"id":7},5]}"#
        let documents = try PoolStatsReport.documents(dfJSON: df, figures: [:])
        #expect(Set(documents.keys) == ["rbd", "x"])
        #expect(documents["rbd"]?["stored_bytes"] == .integer(10))
        #expect(documents["rbd"]?["num_objects"] == .string("many"))
        #expect(documents["rbd"]?["free_bytes"] == .null)
        #expect(documents["x"]?["id"] == .null)
    }

    @Test func malformedDFIsATypedErrorNamingTheCommand() throws {
        #expect(throws: StorageReportError.empty(command: "df (json)")) {
            try PoolStatsReport.documents(dfJSON: "  \n", figures: [:])
        }
        #expect(throws: StorageReportError.unexpectedShape(command: "df (json)", "no \"pools\" list")) {
            try PoolStatsReport.documents(dfJSON: #"{"stats":{}}"#, figures: [:])
        }
        // Truncated in the middle, as a cut-off answer would be.
        let truncated = String(Fixtures.dfJSON.prefix(300))
        do {
            _ = try PoolStatsReport.documents(dfJSON: truncated, figures: [:])
            Issue.record("a truncated answer parsed")
        } catch {
            guard case .notJSON(let command, let parse) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(command == "df (json)")
            // Cut inside a string: the error points at where that string began.
            #expect(parse == JSONValue.ParseError(offset: 284, reason: "unterminated string"))
            #expect(error.description == "df (json): not JSON (byte 284: unterminated string)")
        }
    }

    @Test func countersPastIntDoNotTrap() {
        let document = PoolStatsReport.document(df: nil, figures: PoolFigures(numWr: UInt64.max, numWrKB: UInt64.max))
        #expect(document["write_ops"] == .number(Double(UInt64.max)))
        #expect(document["write_bytes"] == .number(Double(UInt64.max) * 1024))
    }
}
