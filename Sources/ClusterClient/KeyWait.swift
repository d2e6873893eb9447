import Coordination
import Synchronization

/// A bounded wait on one key, driven by its ZooKeeper watch (PVC's client polls every 0.5–1 s and
/// never gives up; here every change is seen as it happens and the wait ends at `timeout`).
struct KeyWait: Sendable {
    let store: any CoordinationStore
    let path: String
    /// How errors name what is waited on: `VM 'web1' (U)`, `node hv1`.
    let subject: String
    let timeout: Duration

    /// Returns the key's first value (nil: missing or not UTF-8) for which `isOver` holds,
    /// including the value it holds now. Throws `waitTimedOut` with the last value seen, or
    /// `watchEnded` when the session ends first.
    func until(_ isOver: @escaping @Sendable (String?) -> Bool) async throws -> String? {
        let lastSeen = LastSeen()
        let store = store
        let path = path
        let subject = subject
        let timeout = timeout
        return try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask {
                for await value in store.watchData(path) {
                    let text = value?.text
                    lastSeen.record(text)
                    if isOver(text) { return text }
                }
                try Task.checkCancellation()
                throw ClusterClientError.watchEnded(subject: subject, path: path)
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw ClusterClientError.waitTimedOut(subject: subject, path: path, state: lastSeen.value,
                                                      timeout: timeout)
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else {
                throw ClusterClientError.watchEnded(subject: subject, path: path)
            }
            return first
        }
    }
}

/// The last value the watch reported, for the timeout's message.
private final class LastSeen: Sendable {
    private let state = Mutex<String?>(nil)

    func record(_ value: String?) {
        state.withLock { $0 = value }
    }

    var value: String? {
        state.withLock { $0 }
    }
}
