import CCephLoader
import Glibc
import Synchronization

/// Owns one `rados_t` and makes sure `rados_shutdown` never runs while a call still uses it.
///
/// A call that outlived its bound is still inside librados on its own thread, so `close` cannot
/// simply wait for it (that would be unbounded again). Instead every call counts itself in and
/// out; `close` shuts down at once when nothing is in flight, and otherwise the last call to
/// leave does it, on its own (dedicated) thread.
final class RadosHandle: @unchecked Sendable {
    // The handle is only touched on dedicated threads between a successful `enter` and `leave`
    // (librados's rados_t is thread-safe), and by `rados_shutdown` once nobody is inside.
    private let cluster: rados_t
    private let state = Mutex(State())

    private struct State {
        var inFlight = 0
        var closed = false
        var shutDown = false
    }

    init(_ cluster: rados_t) {
        self.cluster = cluster
    }

    /// The handle for one call, or nil once `close` was called.
    func enter() -> rados_t? {
        state.withLock { state -> rados_t? in
            guard !state.closed else { return nil }
            state.inFlight += 1
            return cluster
        }
    }

    /// Blocks for the shutdown when this was the last call of a closed handle, so call it on a
    /// dedicated thread.
    func leave() {
        let shutDownNow = state.withLock { state -> Bool in
            state.inFlight -= 1
            return takeShutdown(&state)
        }
        if shutDownNow { pvc_rados_shutdown(cluster) }
    }

    /// Marks the handle closed; true when the caller must now run `rados_shutdown` (nothing in
    /// flight), false when a call still inside will do it or it was already done.
    func close() -> Bool {
        state.withLock { state -> Bool in
            state.closed = true
            return takeShutdown(&state)
        }
    }

    func shutdown() {
        pvc_rados_shutdown(cluster)
    }

    private func takeShutdown(_ state: inout State) -> Bool {
        guard state.closed, state.inFlight == 0, !state.shutDown else { return false }
        state.shutDown = true
        return true
    }
}

/// A raw librados/librbd pointer carried across to a dedicated thread.
struct RawHandle: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
}
