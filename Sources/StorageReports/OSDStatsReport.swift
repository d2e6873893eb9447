import ClusterSchema

/// PVC's per-OSD statistics document (`/ceph/osds/ID/stats`): `osd dump`, `osd df` and
/// `osd status` merged by OSD id, with PVC's field names and value forms (its
/// `collect_ceph_stats` in node-daemon/pvcnoded/util/keepalive.py):
///
/// * from `osd dump`: `uuid` (string), `up` and `in` (0 or 1), `primary_affinity` (number);
/// * from `osd df`: `utilization` (percent), `var`, `pgs`, `kb`, `kb_used`, `kb_used_data`,
///   `kb_used_omap`, `kb_used_meta`, `kb_avail` (KiB), `weight` (the CRUSH weight), `reweight`,
///   `class` (the device class);
/// * from `osd status`'s table, as the strings it prints: `node` (the host's first label),
///   `used`, `avail`, `wr_ops`, `wr_data`, `rd_ops`, `rd_data` (human units such as "34.0M"),
///   `state` (such as "exists,up").
public enum OSDStatsReport {
    /// One document per OSD id any of the three answers names, keyed by the id as text ("0"). A
    /// field an answer lacks for that OSD (or the OSD missing from an answer) is null.
    ///
    /// - Throws: when an answer is not what its command returns at all (not JSON, no `osds` or
    ///   `nodes` list, no table).
    public static func documents(dumpJSON: String, dfJSON: String,
                                 statusText: String) throws(StorageReportError) -> [String: JSONValue] {
        let dump = try entries(dumpJSON, command: CephCommand.osdDump, list: "osds", id: "osd")
        let df = try entries(dfJSON, command: CephCommand.osdDF, list: "nodes", id: "id")
        let status = try OSDStatusTable.rows(statusText)
        var documents: [String: JSONValue] = [:]
        for id in Set(dump.keys).union(df.keys).union(status.keys) {
            documents[id] = document(dump: dump[id], df: df[id], status: status[id])
        }
        return documents
    }

    /// The entries of `list` by their id. Negative ids are CRUSH buckets (hosts, roots), which
    /// `osd df tree` would list; entries without an integer id are skipped.
    static func entries(_ text: String, command: String, list: String,
                        id: String) throws(StorageReportError) -> [String: JSONValue] {
        let json = try JSONValue.answer(text, of: command)
        guard let elements = json[list]?.array else {
            throw .unexpectedShape(command: command, "no \"\(list)\" list")
        }
        var byID: [String: JSONValue] = [:]
        for element in elements {
            guard let number = element[id]?.integer, number >= 0 else { continue }
            byID[String(number)] = element
        }
        return byID
    }

    static func document(dump: JSONValue?, df: JSONValue?, status: OSDStatusTable.Row?) -> JSONValue {
        func fromDump(_ key: String) -> JSONValue { dump?[key].scalarOrNull ?? .null }
        func fromDF(_ key: String) -> JSONValue { df?[key].scalarOrNull ?? .null }
        func text(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
        return .object([
            "uuid": fromDump("uuid"),
            "up": fromDump("up"),
            "in": fromDump("in"),
            "primary_affinity": fromDump("primary_affinity"),
            "utilization": fromDF("utilization"),
            "var": fromDF("var"),
            "pgs": fromDF("pgs"),
            "kb": fromDF("kb"),
            "kb_used": fromDF("kb_used"),
            "kb_used_data": fromDF("kb_used_data"),
            "kb_used_omap": fromDF("kb_used_omap"),
            "kb_used_meta": fromDF("kb_used_meta"),
            "kb_avail": fromDF("kb_avail"),
            "weight": fromDF("crush_weight"),
            "reweight": fromDF("reweight"),
            "class": fromDF("device_class"),
            "node": text(status?.node),
            "used": text(status?.used),
            "avail": text(status?.avail),
            "wr_ops": text(status?.writeOps),
            "wr_data": text(status?.writeData),
            "rd_ops": text(status?.readOps),
            "rd_data": text(status?.readData),
            "state": text(status?.state),
        ])
    }
}

/// The table `osd status` prints. Ceph 16 (Pacific) ignores `"format":"json"` for this command
/// and prints the same table (checked on 16.2.15), so the table is what is parsed, in both
/// layouts PVC parses:
///
///     ID  HOST   USED  AVAIL  WR OPS  WR DATA  RD OPS  RD DATA  STATE          (Ceph 16)
///      0  vm    34.0M   989M      0        0       0        0   exists,up
///     | id | host | used | avail | wr ops | wr data | rd ops | rd data | state |   (Ceph 14)
public enum OSDStatusTable {
    public struct Row: Sendable, Equatable {
        public var node: String?
        public var used: String?
        public var avail: String?
        public var writeOps: String?
        public var writeData: String?
        public var readOps: String?
        public var readData: String?
        public var state: String?
    }

    /// Rows by OSD id. A row is read from its right end, where the eight figure and state
    /// columns are, so an OSD whose host is unknown (an empty HOST cell) still has its figures
    /// and a null node; a row with fewer cells has nulls for those it lacks.
    ///
    /// - Throws: when there is no header row: the text is not this table.
    public static func rows(_ text: String) throws(StorageReportError) -> [String: Row] {
        guard text.contains(where: { !$0.isWhitespace }) else { throw .empty(command: CephCommand.osdStatus) }
        var rows: [String: Row] = [:]
        var sawHeader = false
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let cells = withoutTerminalEscapes(String(line))
                .split(whereSeparator: { $0 == " " || $0 == "\t" })
                .map(String.init)
                .filter { $0 != "|" }
            guard let first = cells.first else { continue }
            if first.lowercased() == "id" {
                sawHeader = true
                continue
            }
            guard sawHeader, let id = Int(first), id >= 0 else { continue }
            let rest = Array(cells.dropFirst())
            guard rest.count >= 7 else {
                // Too few cells to tell which is which: the OSD is listed, its figures are unknown.
                rows[String(id)] = Row()
                continue
            }
            func cell(fromEnd offset: Int) -> String? {
                rest.count >= offset ? rest[rest.count - offset] : nil
            }
            // Seven cells right of HOST: USED, AVAIL, WR OPS, WR DATA, RD OPS, RD DATA, STATE.
            rows[String(id)] = Row(
                node: rest.count >= 8 ? rest[rest.count - 8].split(separator: ".").first.map(String.init) : nil,
                used: cell(fromEnd: 7), avail: cell(fromEnd: 6), writeOps: cell(fromEnd: 5),
                writeData: cell(fromEnd: 4), readOps: cell(fromEnd: 3), readData: cell(fromEnd: 2),
                state: cell(fromEnd: 1))
        }
        guard sawHeader else {
            throw .unexpectedShape(command: CephCommand.osdStatus, "no table header (a line starting with ID)")
        }
        return rows
    }

    /// Drops ANSI colour sequences (`ESC [ … final byte`) that Ceph 14's table could contain.
    static func withoutTerminalEscapes(_ line: String) -> String {
        guard line.unicodeScalars.contains("\u{1B}") else { return line }
        var output = String.UnicodeScalarView()
        var inEscape = false
        var sawBracket = false
        for scalar in line.unicodeScalars {
            if inEscape {
                if !sawBracket {
                    sawBracket = true
                    if scalar != "[" { inEscape = false }
                    continue
                }
                if (0x40 ... 0x7E).contains(scalar.value) { inEscape = false }
                continue
            }
            if scalar == "\u{1B}" {
                inEscape = true
                sawBracket = false
                continue
            }
            output.append(scalar)
        }
        return String(output)
    }
}
