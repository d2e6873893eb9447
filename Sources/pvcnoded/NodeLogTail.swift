import Logging
import Synchronization

/// Lines waiting for `logging.zookeeper_logging` to publish them to `/logs/<node>/messages`, where
/// PVC's `pvc node log` reads them. Bounded: while ZooKeeper is unreachable the oldest lines go
/// first, and the count of dropped lines is published with the next batch.
final class NodeLogTail: Sendable {
    struct Batch: Equatable {
        var lines: [String]
        var dropped: Int
    }

    let capacity: Int
    private let pending = Mutex(Batch(lines: [], dropped: 0))

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    func append(_ line: String) {
        pending.withLock { batch in
            batch.lines.append(line)
            if batch.lines.count > capacity {
                let excess = batch.lines.count - capacity
                batch.lines.removeFirst(excess)
                batch.dropped += excess
            }
        }
    }

    func take() -> Batch {
        pending.withLock { batch in
            defer { batch = Batch(lines: [], dropped: 0) }
            return batch
        }
    }

    /// Puts back a batch that could not be published, before anything logged since.
    func putBack(_ batch: Batch) {
        pending.withLock { current in
            current.lines = batch.lines + current.lines
            current.dropped += batch.dropped
            if current.lines.count > capacity {
                let excess = current.lines.count - capacity
                current.lines.removeFirst(excess)
                current.dropped += excess
            }
        }
    }

    /// The key's new text: the old lines, then the new ones, cut to the newest `capacity` lines.
    static func merged(existing: String, adding batch: Batch, capacity: Int) -> String {
        var lines = existing.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        if batch.dropped > 0 {
            lines.append("(\(batch.dropped) lines dropped while ZooKeeper was unreachable)")
        }
        lines += batch.lines
        return lines.suffix(max(1, capacity)).joined(separator: "\n")
    }
}

/// Feeds entries to the `NodeLogTail` in PVC's layout, `<date> <daemon, 12 wide> <line>`.
struct NodeLogHandler: LogHandler {
    let tail: NodeLogTail
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let explicit = event.metadata { merged.merge(explicit) { $1 } }
        // The node is the key's own name: repeating it on every line says nothing.
        merged["node"] = nil
        let daemon = "pvcnoded" + String(repeating: " ", count: 4)
        var line = FileLogHandler.timestamp() + " " + daemon + " \(event.level): \(event.message)"
        for key in merged.keys.sorted() {
            if let value = merged[key] { line += " \(key)=\(value)" }
        }
        tail.append(line.replacing("\n", with: "\\n"))
    }
}
