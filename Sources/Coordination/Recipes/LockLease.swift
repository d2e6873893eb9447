import Synchronization

/// A held lock: our contender node, which is the lock as far as every other client is concerned.
///
/// The lease follows its node in the background (a persistent watch on it, which also follows the
/// session), so that a holder learns when the lock is no longer its own: the session ended (its
/// ephemeral node is gone, or presumed gone) or someone deleted the node.
///
/// Dropping a lease does not release the lock, as with Kazoo: Swift may end an object's life before
/// the end of its scope, and a lock released that early would give no warning. Call `release()`.
public final class LockLease: Sendable {
    public let contenderPath: String
    private let store: any CoordinationStore
    private let tracker: LeaseTracker
    private let monitor: Task<Void, Never>

    init(store: any CoordinationStore, contenderPath: String) {
        self.contenderPath = contenderPath
        self.store = store
        let tracker = LeaseTracker(path: contenderPath)
        self.tracker = tracker
        let watch = store.dataWatch(contenderPath)
        // Holds the tracker and the store, not the lease, so that the lease can still be
        // deinitialised (which stops the monitor) while the monitor runs.
        monitor = Task {
            let end = await watch.run { data in
                guard data != nil else {
                    tracker.end(.lost)
                    return false
                }
                return true
            }
            if end == .sessionEnded { tracker.end(.lost) }
        }
    }

    deinit {
        monitor.cancel()
    }

    /// False once released, or once the session was lost (state .expired or .closed) — a holder
    /// whose session is presumed expired must learn it lost the lock.
    ///
    /// The session state is read here as well as by the monitor, so the answer is right the moment
    /// the store gives up on the session, not when the monitor gets round to it.
    public var isHeld: Bool {
        if store.sessionState.isTerminal { tracker.end(.lost) }
        return tracker.isHeld
    }

    /// Returns when the lease is lost (session expired/closed, or our contender node was deleted by
    /// someone else) or released; bounded by `timeout` (returns false if still held at the deadline).
    public func waitUntilLost(timeout: Duration) async -> Bool {
        guard isHeld else { return true }
        do {
            _ = try await tracker.ended.wait(timeout: timeout)
        } catch {
            // Timed out or cancelled: report what holds now.
        }
        return !isHeld
    }

    /// Deletes the contender node. Idempotent. Throws only if the store fails (other than noNode).
    ///
    /// A session that ended is not a failure here: the server removed the node with it. While the
    /// connection is down, waits for it to come back, up to the session timeout (after which the
    /// session, and our node, are presumed gone); past that, throws the store's error and the lease
    /// stays held, so that a caller may try again.
    public func release() async throws {
        guard tracker.isHeld else { return }
        let deadline = ContinuousClock.now.advanced(by: store.recipeWaitBound)
        var failuresInARow = 0
        attempts: while true {
            do {
                try await store.delete(contenderPath, version: nil)
                break attempts
            } catch let error as CoordinationError where error.code == .noNode {
                break attempts
            } catch where store.isSessionEnd(error) {
                break attempts
            } catch where store.isRetryable(error) {
                failuresInARow += 1
                guard deadline.remaining > .zero else { throw error }
                switch await store.waitForConnection(timeout: deadline.remaining, afterReconnect: failuresInARow > 1) {
                case .connected: continue attempts
                case .ended: break attempts
                case .timedOut: throw error
                }
            }
        }
        tracker.end(.released)
        monitor.cancel()
    }
}

/// The lease's state, shared with its monitor task.
final class LeaseTracker: Sendable {
    enum State: Sendable {
        case held
        case released
        case lost
    }

    private let state = Mutex(State.held)
    private let path: String
    /// Fires once the lease is no longer held, for `waitUntilLost`.
    let ended = WatchSignal()

    init(path: String) {
        self.path = path
    }

    var isHeld: Bool {
        state.withLock { $0 == .held }
    }

    /// Moves from held to `final`; the first ending wins.
    func end(_ final: State) {
        let changed = state.withLock { state -> Bool in
            guard state == .held else { return false }
            state = final
            return true
        }
        if changed { ended.fire(WatchEvent(.deleted, path: path)) }
    }
}
