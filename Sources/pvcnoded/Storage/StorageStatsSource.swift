import StorageReports

/// Exactly what the primary's Ceph statistics need from Ceph, so `StorageStatsRun` can be built
/// and tested without librados; the daemon's librados connection conforms.
protocol StorageStatsSource: Sendable {
    /// Sends one mon command (`{"prefix":"status"}`, …) and returns its output text; throws on a
    /// non-zero return code or when Ceph does not answer within `timeout`.
    func monitorCommand(_ json: String, timeout: Duration) async throws -> String
    /// The cluster's pool names (`rados_pool_list`).
    func poolNames() async throws -> [String]
    /// One pool's librados counters (`rados_ioctx_pool_stat`).
    func poolFigures(_ pool: String) async throws -> PoolFigures
}
