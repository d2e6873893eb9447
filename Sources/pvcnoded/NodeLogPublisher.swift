import Coordination
import Logging

/// Publishes the `NodeLogTail` to `/logs/<node>/messages` once per keepalive interval when there
/// is something new. Under the Kazoo write lock on the key, as PVC does, so PVC's other daemons of
/// the same node can share it; every step is bounded by the interval, and a failed batch is kept
/// for the next round.
struct NodeLogPublisher {
    let store: any CoordinationStore
    let tail: NodeLogTail
    let path: String
    let interval: Duration
    let identifier: String
    var logger: Logger

    func run() async {
        var outages = OutageLog(logger: logger)
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            if Task.isCancelled { return }  // the shutdown's own last round publishes the rest
            await publishOnce(&outages)
        }
    }

    /// One round; also called once at shutdown so the last lines before `stop` reach the key.
    func publishOnce(_ outages: inout OutageLog) async {
        let batch = tail.take()
        guard !batch.lines.isEmpty || batch.dropped > 0 else { return }
        let result = await boundedCall(interval) { [store, path, identifier, capacity = tail.capacity] in
            try await store.ensurePath(path)
            let lease = try await CoordinationLock(store: store, path: path, kind: .write, identifier: identifier)
                .acquire(timeout: min(interval / 2, .seconds(2)))
            do {
                let existing = String(decoding: try await store.get(path).data, as: UTF8.self)
                let text = NodeLogTail.merged(existing: existing, adding: batch, capacity: capacity)
                _ = try await store.set(path, data: Array(text.utf8))
            } catch {
                try? await lease.release()
                throw error
            }
            try await lease.release()
        }
        switch result {
        case .success:
            outages.succeeded("node log publishing")
        case .failure(let error):
            tail.putBack(batch)
            outages.failed("node log publishing", "\(error)")
        case nil:
            // The write may still land after the bound; putting the batch back could publish it
            // twice, which is better than losing it.
            tail.putBack(batch)
            outages.failed("node log publishing", "no answer within \(interval)")
        }
    }
}
