extension CoordinationStore {
    /// The node's current value at once (nil when it does not exist), then every later change
    /// (every set, even to the same bytes, since the version moves; deletion → nil; creation → the
    /// value). Re-arms itself after each event; after a connection loss (.suspended) it re-reads
    /// when the session is .connected again and reports only if the node changed — never a
    /// duplicate. Finishes when the session ends (.expired/.closed) or when the consumer stops
    /// iterating. An invalid path gives a stream that finishes at once.
    ///
    /// Values may be coalesced (ZooKeeper's watches are one-shot), but the last one always arrives.
    public func watchData(_ path: String) -> AsyncStream<NodeData?> {
        persistentStream(dataWatch(path))
    }

    func dataWatch(_ path: String) -> PersistentWatch<NodeData?> {
        PersistentWatch(store: self, path: path, read: { signal in
            do {
                return .value(try await self.get(path, watch: signal))
            } catch let error as CoordinationError where error.code == .noNode {
                // As Kazoo's DataWatch: watch for the creation; a node that appeared in between is
                // read again rather than reported as missing.
                return try await self.exists(path, watch: signal) == nil ? .value(nil) : .again
            }
        }, isSame: { old, new in
            // Same node (czxid) at the same modification (mzxid, version); the bytes do not matter.
            switch (old, new) {
            case (nil, nil):
                return true
            case let (old?, new?):
                return old.stat.czxid == new.stat.czxid && old.stat.mzxid == new.stat.mzxid
                    && old.stat.version == new.stat.version
            default:
                return false
            }
        })
    }
}
