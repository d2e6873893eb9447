import ClusterSchema

/// PVC's per-pool statistics document (`/ceph/pools/P/stats`): `ceph df`'s figures for the pool
/// joined with librados' counters for it.
///
/// PVC joins `ceph df` and `rados df` **by position** after fetching both lists, which pairs the
/// wrong pools whenever the two lists differ in order or length (a pool created between the two
/// calls; `rados df` sorts by name, `ceph df` by id). Here the join is by pool name.
public enum PoolStatsReport {
    /// Every pool named by `ceph df` or by `figures`, by name. A pool `ceph df` does not list gets
    /// null for `ceph df`'s fields; a pool without figures gets null for librados' fields.
    ///
    /// - Parameters:
    ///   - dfJSON: the answer to `{"prefix":"df","format":"json"}`.
    ///   - figures: librados' counters by pool name.
    /// - Throws: when `dfJSON` is not JSON or has no `pools` list; a single odd pool entry is not
    ///   an error (its fields are null, or it is skipped when it has no name).
    public static func documents(dfJSON: String,
                                 figures: [String: PoolFigures]) throws(StorageReportError) -> [String: JSONValue] {
        let df = try JSONValue.answer(dfJSON, of: CephCommand.dfJSON)
        guard let pools = df["pools"]?.array else {
            throw .unexpectedShape(command: CephCommand.dfJSON, "no \"pools\" list")
        }
        var byName: [String: JSONValue] = [:]
        for pool in pools {
            guard let name = pool["name"]?.string else { continue }
            byName[name] = pool
        }
        var documents: [String: JSONValue] = [:]
        for name in Set(byName.keys).union(figures.keys) {
            documents[name] = document(df: byName[name], figures: figures[name])
        }
        return documents
    }

    /// Field names and sources as in PVC's `collect_ceph_stats` (node-daemon/pvcnoded/util/keepalive.py):
    /// `used_percent` is `ceph df`'s `percent_used`, which since Nautilus is a fraction (0.0168 for
    /// 1.68 %) despite its name; bytes read and written are librados' KiB × 1024, as `rados df`
    /// reports them.
    static func document(df: JSONValue?, figures: PoolFigures?) -> JSONValue {
        let stats = df?["stats"]
        // PVC takes the object count from `ceph df`; librados' count is the same figure, so it
        // stands in when `ceph df` lacks the pool.
        let objects = stats?["objects"].scalarOrNull ?? .null
        let fallbackObjects = figures.map { JSONValue.counter($0.numObjects) } ?? .null
        func counter(_ value: (PoolFigures) -> UInt64) -> JSONValue {
            figures.map { JSONValue.counter(value($0)) } ?? .null
        }
        func kibibytes(_ value: (PoolFigures) -> UInt64) -> JSONValue {
            figures.map { JSONValue.kibibytes(value($0)) } ?? .null
        }
        return .object([
            "id": df?["id"].scalarOrNull ?? .null,
            "stored_bytes": stats?["stored"].scalarOrNull ?? .null,
            "free_bytes": stats?["max_avail"].scalarOrNull ?? .null,
            "used_bytes": stats?["bytes_used"].scalarOrNull ?? .null,
            "used_percent": stats?["percent_used"].scalarOrNull ?? .null,
            "num_objects": objects == .null ? fallbackObjects : objects,
            "num_object_clones": counter(\.numObjectClones),
            "num_object_copies": counter(\.numObjectCopies),
            "num_objects_missing_on_primary": counter(\.numObjectsMissingOnPrimary),
            "num_objects_unfound": counter(\.numObjectsUnfound),
            "num_objects_degraded": counter(\.numObjectsDegraded),
            "read_ops": counter(\.numRd),
            "read_bytes": kibibytes(\.numRdKB),
            "write_ops": counter(\.numWr),
            "write_bytes": kibibytes(\.numWrKB),
        ])
    }
}
