/// Removes the contender node of an acquisition that gave up (timeout, cancellation, error).
///
/// A node left behind would block every later contender until our session ends, so this tries
/// harder than once: the first attempt is awaited, and if the connection is down a background
/// attempt waits for it to come back. That one is bounded by the session timeout, because a session
/// cut off that long is presumed expired and its ephemeral nodes go with it.
enum ContenderCleanup {
    static func remove(store: any CoordinationStore, lockPath: String, prefix: String, knownNode: String?) async {
        // Run apart from the caller's task: a cancelled caller must still get its node deleted, and
        // a store is free to refuse calls from a cancelled task.
        let done = await Task {
            await attempt(store: store, lockPath: lockPath, prefix: prefix, knownNode: knownNode)
        }.value
        guard !done else { return }
        Task {
            let deadline = ContinuousClock.now.advanced(by: store.recipeWaitBound)
            var failuresInARow = 1
            while deadline.remaining > .zero {
                let outcome = await store.waitForConnection(timeout: deadline.remaining,
                                                            afterReconnect: failuresInARow > 1)
                // A session that ended took the node with it.
                if case .ended = outcome { return }
                if outcome == .connected,
                   await attempt(store: store, lockPath: lockPath, prefix: prefix, knownNode: knownNode) {
                    return
                }
                failuresInARow += 1
            }
            RecipeLog.logger.error(
                "gave up removing an abandoned lock contender; it blocks later contenders until its session ends",
                metadata: ["lock": "\(lockPath)", "contender": "\(knownNode ?? prefix + "*")"])
        }
    }

    /// True once nothing of ours can be left: deleted, never there, or gone with the session.
    private static func attempt(store: any CoordinationStore, lockPath: String, prefix: String,
                                knownNode: String?) async -> Bool {
        do {
            let node: String?
            if let knownNode {
                node = knownNode
            } else {
                // The create may have been applied without our hearing of it; the prefix finds it.
                node = try await store.children(lockPath).first { $0.hasPrefix(prefix) }
            }
            guard let node else { return true }
            try await store.delete(PathRules.join(lockPath, node), version: nil)
            return true
        } catch let error as CoordinationError where error.code == .noNode {
            return true
        } catch {
            if store.isRetryable(error) { return false }
            if !store.isSessionEnd(error) {
                RecipeLog.logger.error("could not remove an abandoned lock contender",
                                       metadata: ["lock": "\(lockPath)", "error": "\(error)"])
            }
            return true
        }
    }
}
