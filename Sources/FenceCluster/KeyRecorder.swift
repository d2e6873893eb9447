import Coordination
import Foundation
import Synchronization
import ZooKeeper

/// Every value a set of keys took while recording, each stamped when its watch delivered it
/// (ZooKeeper's watches may coalesce changes that follow each other closely; the last value
/// always arrives). Starts recording at once; `stop` ends the watches.
public final class KeyRecorder: Sendable {
    public struct Change: Sendable, CustomStringConvertible {
        public let path: String
        public let value: String?
        public let at: ContinuousClock.Instant
        public var description: String { "\(path)=\(value ?? "<none>")" }
    }

    private let changes = Mutex<[Change]>([])
    private let tasks = Mutex<[Task<Void, Never>]>([])

    public init(_ session: ZooKeeperClient, paths: [String]) {
        var started: [Task<Void, Never>] = []
        for path in paths {
            let values = session.watchData(path)
            started.append(Task { [self] in
                for await data in values {
                    let change = Change(path: path, value: data.map { String(decoding: $0.data, as: UTF8.self) },
                                        at: .now)
                    self.changes.withLock { $0.append(change) }
                }
            })
        }
        tasks.withLock { $0 = started }
    }

    public func stop() {
        for task in tasks.withLock({ $0 }) { task.cancel() }
    }

    public var all: [Change] { changes.withLock { $0 } }

    /// The values `path` took, in order.
    public func values(_ path: String) -> [String?] {
        all.filter { $0.path == path }.map(\.value)
    }

    /// When `path` first took `value` (after `instant`, if given).
    public func first(_ path: String, _ value: String, after instant: ContinuousClock.Instant? = nil)
        -> ContinuousClock.Instant? {
        all.first { change in
            change.path == path && change.value == value && instant.map { change.at >= $0 } ?? true
        }?.at
    }

    /// The changes of keys whose value satisfied `predicate`.
    public func matching(_ predicate: (Change) -> Bool) -> [Change] { all.filter(predicate) }

    /// Waits (polling what the watches delivered, not the keys) until `path` took `value`.
    public func waitFor(_ path: String, _ value: String, after instant: ContinuousClock.Instant? = nil,
                        timeout: Duration) async -> ContinuousClock.Instant? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let at = first(path, value, after: instant) { return at }
            if ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
