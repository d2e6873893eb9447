import ClusterSchema
import Testing
@testable import StorageReports

@Suite struct OSDStatsTests {
    @Test func documentFromTheRealClusterHasItsFigures() throws {
        let documents = try OSDStatsReport.documents(dumpJSON: Fixtures.osdDump, dfJSON: Fixtures.osdDF,
                                                     statusText: Fixtures.osdStatus)
        #expect(Array(documents.keys) == ["0"])
        #expect(documents["0"] == .object([
            "uuid": .string("e477517a-642f-4f81-9f64-ed2ec395523e"), "up": .integer(1), "in": .integer(1),
            "primary_affinity": .integer(1), "utilization": .number(3.3240318298339844), "var": .integer(1),
            "pgs": .integer(17), "kb": .integer(1_048_576), "kb_used": .integer(34855), "kb_used_data": .integer(0),
            "kb_used_omap": .integer(0), "kb_used_meta": .integer(0), "kb_avail": .integer(1_013_720),
            "weight": .number(0.0009918212890625), "reweight": .integer(1), "class": .string("hdd"),
            "node": .string("vm"), "used": .string("34.0M"), "avail": .string("989M"), "wr_ops": .string("0"),
            "wr_data": .string("0"), "rd_ops": .string("0"), "rd_data": .string("0"), "state": .string("exists,up"),
        ]))
    }

    @Test func aStoppedOSD() throws {
        let documents = try OSDStatsReport.documents(dumpJSON: Fixtures.osdDumpDown, dfJSON: Fixtures.osdDFDown,
                                                     statusText: Fixtures.osdStatusDown)
        let osd = try #require(documents["0"])
        #expect(osd["up"] == .integer(0))
        #expect(osd["in"] == .integer(1))
        #expect(osd["state"] == .string("exists"))
        #expect(osd["kb_used"] == .integer(34858))
    }

    /// Pacific prints the table for `osd status -f json` too; it parses the same.
    @Test func pacificAnswersTheTableToAJSONRequest() throws {
        #expect(!Fixtures.osdStatusWithJSONFormat.hasPrefix("{"))
        #expect(try OSDStatusTable.rows(Fixtures.osdStatusWithJSONFormat) == OSDStatusTable.rows(Fixtures.osdStatus))
    }

    @Test func ceph14LayoutWithColoursAndFullHostNames() throws {
        let table = """
        +----+---------------------+-------+-------+--------+---------+--------+---------+-----------+
        | id |         host        |  used | avail | wr ops | wr data | rd ops | rd data |   state   |
        +----+---------------------+-------+-------+--------+---------+--------+---------+-----------+
        | 0  | hv1.p.u.example.net |  318G |  463G |  213   |  1430k  |   22   |   124k  | \u{1B}[1mexists,up\u{1B}[0m |
        | 12 | hv2.p.u.example.net |  300G |  481G |    0   |     0   |    0   |     0   | exists    |
        +----+---------------------+-------+-------+--------+---------+--------+---------+-----------+
        """
        let rows = try OSDStatusTable.rows(table)
        #expect(rows["0"] == OSDStatusTable.Row(node: "hv1", used: "318G", avail: "463G", writeOps: "213",
                                                writeData: "1430k", readOps: "22", readData: "124k", state: "exists,up"))
        #expect(rows["12"]?.state == "exists")
        #expect(rows.count == 2)
    }

    @Test func anOSDWithoutAHostStillHasItsFigures() throws {
        let table = """
        ID  HOST   USED  AVAIL  WR OPS  WR DATA  RD OPS  RD DATA  STATE
         0  hv1   34.0M   989M      0        0       0        0   exists,up
         1           0      0       0        0       0        0   autoout,exists,new
         2  x
        """
        let rows = try OSDStatusTable.rows(table)
        #expect(rows["1"] == OSDStatusTable.Row(node: nil, used: "0", avail: "0", writeOps: "0", writeData: "0",
                                                readOps: "0", readData: "0", state: "autoout,exists,new"))
        #expect(rows["2"] == OSDStatusTable.Row())
        #expect(rows["0"]?.node == "hv1")
    }

    @Test func garbageIsATypedErrorPartialDataGivesNulls() throws {
        #expect(throws: StorageReportError.unexpectedShape(command: "osd status",
                                                           "no table header (a line starting with ID)")) {
            try OSDStatusTable.rows("Error EINVAL: something\n")
        }
        #expect(throws: StorageReportError.empty(command: "osd status")) { try OSDStatusTable.rows("") }
        #expect(throws: StorageReportError.unexpectedShape(command: "osd dump", "no \"osds\" list")) {
            try OSDStatsReport.documents(dumpJSON: "{}", dfJSON: Fixtures.osdDF, statusText: Fixtures.osdStatus)
        }
        #expect(throws: StorageReportError.self) {
            try OSDStatsReport.documents(dumpJSON: Fixtures.osdDump, dfJSON: "{\"nodes\":[", statusText: Fixtures.osdStatus)
        }

        // OSD 0 lacks its uuid and has a weight of the wrong kind; OSD 3 is only in the dump; the
        // host bucket (-1) of a tree listing is not an OSD.
        let dump = #"{"osds":[{"osd":0,"up":1,"in":1,"primary_affinity":{"x":1}},{"osd":3,"uuid":"u3","up":0,"in":0}]}"#
        let df = #"{"nodes":[{"id":-1,"name":"hv1","type":"host"},{"id":0,"kb":10,"crush_weight":[1]}]}"#
        let documents = try OSDStatsReport.documents(dumpJSON: dump, dfJSON: df, statusText: Fixtures.osdStatus)
        #expect(Set(documents.keys) == ["0", "3"])
        #expect(documents["0"]?["uuid"] == .null)
        #expect(documents["0"]?["primary_affinity"] == .null)
        #expect(documents["0"]?["weight"] == .null)
        #expect(documents["0"]?["kb"] == .integer(10))
        #expect(documents["0"]?["state"] == .string("exists,up"))
        #expect(documents["3"]?["uuid"] == .string("u3"))
        #expect(documents["3"]?["kb"] == .null && documents["3"]?["node"] == .null)
    }
}
