import ClusterSchema
@testable import StorageReports

/// librados' figures per pool, read from the captured `rados df -f json`, whose counters are
/// `rados_pool_stat_t`'s (read/write bytes are its KiB × 1024, so the KiB are recovered exactly).
func radosFigures(_ text: String = Fixtures.radosDF) throws -> [String: PoolFigures] {
    let json = try JSONValue.parse(text)
    var figures: [String: PoolFigures] = [:]
    for pool in json["pools"]?.array ?? [] {
        guard let name = pool["name"]?.string else { continue }
        func value(_ key: String) -> UInt64 { UInt64(pool[key]?.integer ?? 0) }
        figures[name] = PoolFigures(
            numBytes: value("size_bytes"), numKB: value("size_kb"), numObjects: value("num_objects"),
            numObjectClones: value("num_object_clones"), numObjectCopies: value("num_object_copies"),
            numObjectsMissingOnPrimary: value("num_objects_missing_on_primary"),
            numObjectsUnfound: value("num_objects_unfound"), numObjectsDegraded: value("num_objects_degraded"),
            numRd: value("read_ops"), numRdKB: value("read_bytes") / 1024, numWr: value("write_ops"),
            numWrKB: value("write_bytes") / 1024)
    }
    return figures
}

/// The answers of the healthy captured cluster.
func healthyAnswers() throws -> CephAnswers {
    CephAnswers(status: .text(Fixtures.status), health: .text(Fixtures.health), dfText: .text(Fixtures.dfText),
                dfJSON: .text(Fixtures.dfJSON), poolFigures: .success(try radosFigures()),
                osds: OSDAnswers(dump: .text(Fixtures.osdDump), df: .text(Fixtures.osdDF), status: .text(Fixtures.osdStatus)))
}
