import Synchronization

/// Wakes a persistent watch when the session comes back after a disconnection, and when it ends.
///
/// Changes made while we were cut off may or may not come back as watch events depending on the
/// store, so the persistent watches re-read after every reconnection and let their change check
/// drop what they already reported. The observer fires whichever one-shot signal the watch has
/// armed last; the watch then has a single thing to wait on.
final class ReconnectObserver: Sendable {
    private struct State {
        var armed: WatchSignal?
        var ended: SessionState?
    }

    private let state = Mutex(State())
    private let path: String
    /// Subscribed at creation, before the watch's first read, so that a reconnection that happens
    /// while the read fails is not missed.
    private let states: AsyncStream<SessionState>

    init(store: any CoordinationStore, path: String) {
        self.path = path
        self.states = store.sessionStates()
    }

    /// Makes `signal` the one to fire; a session that has already ended fails it at once.
    func arm(_ signal: WatchSignal) {
        let ended = state.withLock { state -> SessionState? in
            state.armed = signal
            return state.ended
        }
        if let ended { signal.fail(ended.endError(path: path)) }
    }

    /// Follows the session until it ends or the task is cancelled.
    func run() async {
        var cutOff = false
        for await sessionState in states {
            switch sessionState {
            case .connecting, .suspended:
                cutOff = true
            case .connected:
                if cutOff {
                    cutOff = false
                    let armed = state.withLock { $0.armed }
                    armed?.fire(WatchEvent(.dataChanged, path: path))
                }
            case .expired, .closed:
                let armed = state.withLock { state -> WatchSignal? in
                    state.ended = sessionState
                    return state.armed
                }
                armed?.fail(sessionState.endError(path: path))
                return
            }
        }
    }
}
