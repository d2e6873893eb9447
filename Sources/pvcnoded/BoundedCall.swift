import Synchronization

/// Runs `body` and returns within `timeout` whatever `body` does: a call that ignores cancellation
/// is left to finish on its own. `withDeadline` waits for its body to honour cancellation, which a
/// keepalive cannot afford (PVC bug class 3: a stuck keepalive makes the node look dead).
func boundedCall<T: Sendable>(_ timeout: Duration,
                              _ body: @escaping @Sendable () async throws -> T) async -> Result<T, any Error>? {
    let slot = Mutex<CheckedContinuation<Result<T, any Error>?, Never>?>(nil)
    let resume: @Sendable (Result<T, any Error>?) -> Void = { outcome in
        slot.withLock { continuation in
            continuation?.resume(returning: outcome)
            continuation = nil
        }
    }
    var tasks: [Task<Void, Never>] = []
    let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, any Error>?, Never>) in
        slot.withLock { $0 = continuation }
        tasks.append(Task {
            do {
                resume(.success(try await body()))
            } catch {
                resume(.failure(error))
            }
        })
        tasks.append(Task {
            try? await Task.sleep(for: timeout)
            resume(nil)
        })
    }
    for task in tasks { task.cancel() }
    return outcome
}
