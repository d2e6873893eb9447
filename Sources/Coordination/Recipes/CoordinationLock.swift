/// A lock on a znode that Kazoo's `Lock`, `ReadLock` and `WriteLock` on the same path respect, and
/// that respects them: the contender nodes, their order and who waits for whom are Kazoo's.
///
/// The object only describes the lock; each `acquire` is an independent contention with its own
/// contender node, so one `CoordinationLock` may be shared between tasks.
public final class CoordinationLock: Sendable {
    public let path: String
    public let kind: LockKind
    private let store: any CoordinationStore
    private let identifier: String

    /// `identifier` is written as the contender node's data, which is what Kazoo's `contenders()`
    /// shows to whoever asks who holds or waits for the lock.
    public init(store: any CoordinationStore, path: String, kind: LockKind = .exclusive, identifier: String = "") {
        self.store = store
        self.path = path
        self.kind = kind
        self.identifier = identifier
    }

    /// Waits up to `timeout`; throws CoordinationError(.lockTimeout, path:) on timeout, having
    /// deleted its own contender node; on task cancellation also deletes its node and rethrows
    /// CancellationError. Any other store error: deletes its node (best effort) and rethrows.
    ///
    /// A free lock is taken even with a zero timeout, as Kazoo's `acquire(timeout=0)` does.
    public func acquire(timeout: Duration) async throws -> LockLease {
        try PathRules.validate(path)
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var contention = LockContention(store: store, lockPath: path, kind: kind,
                                        data: Array(identifier.utf8),
                                        prefix: ContenderName.makePrefix(marker: kind.marker))
        do {
            let node = try await contention.run(until: deadline, timeout: timeout)
            return LockLease(store: store, contenderPath: PathRules.join(path, node))
        } catch {
            if contention.mayHaveCreated {
                await ContenderCleanup.remove(store: store, lockPath: path, prefix: contention.prefix,
                                              knownNode: contention.node)
            }
            throw error
        }
    }
}
