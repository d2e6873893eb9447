/// Which of Kazoo's three lock recipes a `CoordinationLock` speaks: `Lock`, `ReadLock` or `WriteLock`.
///
/// The kind decides two things that other clients read off the wire: the marker in our contender
/// node's name, and which lower-sequenced contenders we wait for. Both must match Kazoo's, or a
/// Python tool and this daemon could both believe they hold the same lock.
public enum LockKind: Sendable {
    /// Kazoo `Lock`: waits for lower `__lock__` contenders only, so it does not wait for readers.
    case exclusive
    /// Kazoo `ReadLock`: waits for lower `__lock__` contenders only, so readers share.
    case read
    /// Kazoo `WriteLock`: waits for every lower contender, `__lock__` and `__rlock__` alike.
    case write

    /// The marker our own contender node carries (Kazoo's `_NODE_NAME`).
    var marker: ContenderName.Marker {
        switch self {
        case .exclusive, .write: return .lock
        case .read: return .readLock
        }
    }

    /// Whether a lower-sequenced contender with `marker` keeps us waiting (Kazoo's `_EXCLUDE_NAMES`).
    func isBlocked(by marker: ContenderName.Marker) -> Bool {
        switch self {
        case .exclusive, .read: return marker == .lock
        case .write: return true
        }
    }
}
