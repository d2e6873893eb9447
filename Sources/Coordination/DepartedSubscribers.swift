import Synchronization

/// Subscribers whose stream ended, recorded by the stream's `onTermination` for the owner to
/// forget at its next convenient moment.
///
/// `onTermination` runs on whichever thread cancels the consuming task, while the Swift runtime
/// holds that task's locks; if it took the owner's lock, and the owner yields to that very task
/// under its lock, the two threads wait on each other for ever (seen: the session-state hub
/// deadlocked a test run). So `onTermination` only takes this separate lock, which is never held
/// while calling into a stream.
public final class DepartedSubscribers<ID: Hashable & Sendable>: Sendable {
    private let departed = Mutex<[ID]>([])

    public init() {}

    public func record(_ id: ID) {
        departed.withLock { $0.append(id) }
    }

    /// The subscribers that left since the last call.
    public func drain() -> [ID] {
        departed.withLock { ids in
            defer { ids = [] }
            return ids
        }
    }
}
