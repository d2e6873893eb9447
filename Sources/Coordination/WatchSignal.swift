import Synchronization

/// A one-shot watch: handed to `get`, `exists` or `children`, it fires at most once, with the
/// event that triggered it, or fails when the session ends (`sessionExpired`, `closed`).
///
/// Kept by value in the store and by the caller; firing twice keeps the first outcome, so a store
/// may fire it from its callback and from a sweep without coordination.
public final class WatchSignal: Sendable {
    /// A waiter's slot: reserved before it suspends, so that a timeout or a cancellation that comes
    /// first is not lost.
    private enum Slot {
        case reserved
        case waiting(CheckedContinuation<WatchEvent, any Error>)
        case abandoned(any Error)
    }

    private struct State {
        var outcome: Result<WatchEvent, CoordinationError>?
        var slots: [UInt64: Slot] = [:]
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// The event, once fired; nil while still armed.
    public var outcome: Result<WatchEvent, CoordinationError>? {
        state.withLock { $0.outcome }
    }

    /// Fires the watch with an event. Later calls are ignored.
    public func fire(_ event: WatchEvent) {
        settle(.success(event))
    }

    /// Ends the watch without an event (the session ended, the store closed). Later calls are ignored.
    public func fail(_ error: CoordinationError) {
        settle(.failure(error))
    }

    private func settle(_ outcome: Result<WatchEvent, CoordinationError>) {
        let waiting: [CheckedContinuation<WatchEvent, any Error>] = state.withLock { state in
            guard state.outcome == nil else { return [] }
            state.outcome = outcome
            defer { state.slots = [:] }
            return state.slots.values.compactMap { slot in
                if case .waiting(let continuation) = slot { return continuation }
                return nil
            }
        }
        for continuation in waiting {
            continuation.resume(with: outcome.mapError { $0 as any Error })
        }
    }

    /// Waits for the watch to fire, at most `timeout`. Throws `operationTimeout` when the time is up
    /// (the watch stays armed), the session's error when it ended, and `CancellationError` when the
    /// waiting task is cancelled.
    public func wait(timeout: Duration) async throws -> WatchEvent {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            if state.outcome == nil { state.slots[state.nextID] = .reserved }
            return state.nextID
        }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            guard !Task.isCancelled else { return }
            self?.abandon(id, with: CoordinationError(.operationTimeout, detail: "watch did not fire within \(timeout)"))
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let immediate: Result<WatchEvent, any Error>? = state.withLock { state in
                    if let outcome = state.outcome { return outcome.mapError { $0 as any Error } }
                    if case .abandoned(let error) = state.slots[id] {
                        state.slots[id] = nil
                        return .failure(error)
                    }
                    state.slots[id] = .waiting(continuation)
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            abandon(id, with: CancellationError())
        }
    }

    private func abandon(_ id: UInt64, with error: any Error) {
        let continuation: CheckedContinuation<WatchEvent, any Error>? = state.withLock { state in
            switch state.slots[id] {
            case .waiting(let continuation):
                state.slots[id] = nil
                return continuation
            case .reserved:
                state.slots[id] = .abandoned(error)
                return nil
            case .abandoned, nil:
                return nil
            }
        }
        continuation?.resume(throwing: error)
    }
}
