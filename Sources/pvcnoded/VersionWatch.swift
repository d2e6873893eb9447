import Synchronization

/// What the watch on `/schema/version` reported since the daemon last looked, and a wait that
/// ends at a deadline, when something is reported, or when the waiting task is cancelled.
final class VersionWatch: Sendable {
    private struct State {
        var pending: [String?] = []
        var woken = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// A value of the key as the watch saw it (nil: the key is gone).
    func post(_ value: String?) {
        state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.pending.append(value)
            return Self.takeWaiter(&state)
        }?.resume()
    }

    func take() -> [String?] {
        state.withLock { state in
            defer { state.pending = [] }
            return state.pending
        }
    }

    func wait(until deadline: ContinuousClock.Instant) async {
        state.withLock { $0.woken = false }
        let timer = Task { [self] in
            // A timer cancelled because the wait already ended must not wake the next wait: the
            // two would keep waking each other and the keepalive loop would spin.
            guard (try? await Task.sleep(until: deadline, clock: .continuous)) != nil else { return }
            wake()
        }
        defer { timer.cancel() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.woken || !state.pending.isEmpty { return true }
                    state.waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            wake()
        }
    }

    private func wake() {
        state.withLock { state -> CheckedContinuation<Void, Never>? in
            Self.takeWaiter(&state)
        }?.resume()
    }

    private static func takeWaiter(_ state: inout State) -> CheckedContinuation<Void, Never>? {
        state.woken = true
        defer { state.waiter = nil }
        return state.waiter
    }
}
