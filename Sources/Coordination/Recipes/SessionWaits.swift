/// How a wait for the session to come back ended.
enum ConnectionWait: Sendable, Equatable {
    case connected
    /// The session ended for good (`.expired` or `.closed`).
    case ended(SessionState)
    /// The bound passed first, or the waiting task was cancelled.
    case timedOut
}

extension CoordinationStore {
    /// The longest the recipes wait in one go before looking at the session again.
    ///
    /// The session timeout is the natural scale (a session cut off that long is presumed gone), but
    /// a store that has not connected yet may report zero, and a zero bound would turn every wait
    /// into a spin; hence the floor.
    var recipeWaitBound: Duration {
        max(sessionTimeout, .seconds(1))
    }

    /// Whether a failed call is worth repeating once the connection is back: its outcome is unknown
    /// (`connectionLoss`, `operationTimeout`) or the handle is between connections (`invalidState`
    /// while the session is not over).
    func isRetryable(_ error: any Error) -> Bool {
        guard let error = error as? CoordinationError else { return false }
        if error.outcomeUnknown { return true }
        return error.code == .invalidState && !sessionState.isTerminal
    }

    /// Whether a failure means the session is over, so that nothing of ours is left on the server.
    func isSessionEnd(_ error: any Error) -> Bool {
        guard let error = error as? CoordinationError else { return false }
        return error.code == .sessionExpired || error.code == .closed || sessionState.isTerminal
    }

    /// Waits, at most `timeout`, until the session is `.connected`.
    ///
    /// A failed call and the state change that explains it arrive by different routes, so right
    /// after a failure the state may still read `.connected`. With `afterReconnect` the current
    /// `.connected` does not count and only a reconnection does: a caller that already retried once
    /// at once uses it so that a stale `.connected` cannot make it spin.
    func waitForConnection(timeout: Duration, afterReconnect: Bool) async -> ConnectionWait {
        await withDeadline(timeout) {
            var isFirst = true
            for await state in self.sessionStates() {
                defer { isFirst = false }
                if state.isTerminal { return .ended(state) }
                if state == .connected && !(isFirst && afterReconnect) { return .connected }
            }
            let state = self.sessionState
            return state.isTerminal ? .ended(state) : .timedOut
        } ?? .timedOut
    }
}

extension SessionState {
    /// The error a recipe reports when the session ended under it.
    func endError(path: String) -> CoordinationError {
        CoordinationError(self == .closed ? .closed : .sessionExpired, path: path)
    }
}

extension ContinuousClock.Instant {
    /// Time left until this deadline (negative once past).
    var remaining: Duration {
        ContinuousClock.now.duration(to: self)
    }
}
