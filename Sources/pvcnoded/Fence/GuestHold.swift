import Synchronization

/// Whether this node may run VMs at all: engaged by a self-fence, released by the next completed
/// keepalive. The VM fleet runs only while it is released (`FleetSupervision`), so no crash
/// restart can bring back a VM the self-fence just destroyed.
final class GuestHold: Sendable {
    private struct State {
        var engaged = false
        var runningFleets = 0
        var subscribers: [Int: AsyncStream<Bool>.Continuation] = [:]
        var nextID = 0
        /// Callers of `waitForFleetsToStop`, resumed when the last fleet ends or their time is up.
        var idleWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    var isEngaged: Bool { state.withLock { $0.engaged } }
    var runningFleets: Int { state.withLock { $0.runningFleets } }

    func set(engaged: Bool) {
        let subscribers = state.withLock { state -> [AsyncStream<Bool>.Continuation] in
            guard state.engaged != engaged else { return [] }
            state.engaged = engaged
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.yield(engaged) }
    }

    /// The current value first, then every change.
    func changes() -> AsyncStream<Bool> {
        let (stream, continuation) = AsyncStream.makeStream(of: Bool.self, bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state -> Int in
            defer { state.nextID += 1 }
            state.subscribers[state.nextID] = continuation
            continuation.yield(state.engaged)
            return state.nextID
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    func fleetStarted() { state.withLock { $0.runningFleets += 1 } }

    func fleetEnded() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.runningFleets -= 1
            guard state.runningFleets == 0 else { return [] }
            defer { state.idleWaiters.removeAll() }
            return Array(state.idleWaiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once no fleet runs (every VM actor ended), or when `timeout` is up; true in the
    /// first case.
    func waitForFleetsToStop(timeout: Duration) async -> Bool {
        var timer: Task<Void, Never>?
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let id = state.withLock { state -> Int? in
                guard state.runningFleets > 0 else { return nil }
                defer { state.nextID += 1 }
                state.idleWaiters[state.nextID] = continuation
                return state.nextID
            }
            guard let id else { return continuation.resume() }
            // Started once the waiter is registered, so its expiry always finds it (or finds it
            // already resumed by the last fleet's end).
            timer = Task { [weak self] in
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                self?.expire(id)
            }
        }
        timer?.cancel()
        return runningFleets == 0
    }

    private func expire(_ id: Int) {
        state.withLock { $0.idleWaiters.removeValue(forKey: id) }?.resume()
    }
}

/// Runs the VM fleet while the hold is released and stops it (every VM actor ended) as soon as
/// it is engaged.
enum FleetSupervision {
    static func run(_ fleet: VMFleet, hold: GuestHold) async {
        var current: Task<Void, Never>?
        for await engaged in hold.changes() {
            if engaged {
                current?.cancel()
                await current?.value
                current = nil
            } else if current == nil {
                hold.fleetStarted()
                current = Task {
                    await fleet.run()
                    hold.fleetEnded()
                }
            }
        }
        current?.cancel()
        await current?.value
    }
}
