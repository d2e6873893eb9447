extension CoordinationStore {
    /// The node's sorted child names at once (nil while the node does not exist), then every later
    /// change to them; watches for the node's creation while it is missing. Otherwise as
    /// `watchData`: re-reads after a reconnection, never repeats the last list, finishes when the
    /// session ends or the consumer stops, and may coalesce changes but always delivers the last.
    public func watchChildren(_ path: String) -> AsyncStream<[String]?> {
        persistentStream(PersistentWatch(store: self, path: path, read: { signal in
            do {
                return .value(try await self.children(path, watch: signal).sorted())
            } catch let error as CoordinationError where error.code == .noNode {
                return try await self.exists(path, watch: signal) == nil ? .value(nil) : .again
            }
        }, isSame: { $0 == $1 }))
    }
}
