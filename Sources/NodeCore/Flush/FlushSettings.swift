/// The bounds of a flush or a ready (`migration.max_parallel`, `migration.max_retries`, and how
/// long one attempt may take).
public struct FlushSettings: Sendable, Equatable {
    /// VMs in flight at once (`migration.max_parallel`, 4). At least 1: a flush that may move
    /// nothing would never end.
    public let maxParallel: Int
    /// Attempts per VM (`migration.max_retries`, 3), each a write the cluster answers (or a wait
    /// that timed out). At least 1.
    public let maxRetries: Int
    /// Milliseconds one attempt may take before it counts as failed: the VM's shutdown timeout
    /// plus the migration timeout, so that an offline fallback (shutdown, then cold start) fits.
    /// Also bounds waiting out a `restart`/`shutdown` and waiting for the node list. At least 1.
    ///
    /// A retry after a deadline rewrites the VM's record while the timed-out migration may still
    /// run on the source; the deadline must therefore exceed the longest migration the source
    /// itself allows, or the retry races it.
    public let attemptDeadline: Int

    public static let defaultMaxParallel = 4
    public static let defaultMaxRetries = 3

    /// Values below 1 are raised to 1 (configuration is checked elsewhere; the core must still end).
    public init(maxParallel: Int = defaultMaxParallel, maxRetries: Int = defaultMaxRetries, attemptDeadline: Int) {
        self.maxParallel = max(1, maxParallel)
        self.maxRetries = max(1, maxRetries)
        self.attemptDeadline = max(1, attemptDeadline)
    }
}
