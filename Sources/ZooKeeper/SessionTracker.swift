import Coordination

/// What the C library reported about its connection, reduced to what matters to us.
enum LibraryConnectionState: Equatable {
    case connecting
    case connected
    case expired
    case authFailed
    case other(Int32)
}

/// Decides the session state the client reports, from the C library's connection events and the
/// passage of time. Pure: time is passed in, nothing here does I/O.
///
/// The C library never declares a session expired by itself: while no server answers it stays
/// CONNECTING for ever, and only a server that sees us again can say EXPIRED. So the tracker
/// presumes the session expired once a full session timeout has passed since the server last
/// heard from us, which is when the server expires it. The library reports the link dead only
/// after two thirds of the timeout without a packet (it pings every third), so the last contact
/// is taken as two thirds of a timeout before that report, or the last connection if later: the
/// estimate errs early, which is the safe side for a node that holds locks or the primary role.
struct SessionTracker {
    private(set) var state: SessionState = .connecting
    /// The estimated moment the server last heard from us, while suspended.
    private(set) var disconnectedSince: ContinuousClock.Instant?
    private var connectedAt: ContinuousClock.Instant?
    /// The timeout the server agreed to; until the first connection, the one we asked for.
    var sessionTimeout: Duration

    init(sessionTimeout: Duration) {
        self.sessionTimeout = sessionTimeout
    }

    /// Returns the new state when it changed.
    mutating func onLibraryState(_ library: LibraryConnectionState, at now: ContinuousClock.Instant) -> SessionState? {
        guard !state.isTerminal else { return nil }
        switch library {
        case .connected:
            disconnectedSince = nil
            connectedAt = now
            return transition(to: .connected)
        case .connecting, .other:
            // Only a session that was connected can be suspended; before that we are still connecting.
            guard state == .connected else { return nil }
            let silentBeforeReport = now - sessionTimeout * 2 / 3
            disconnectedSince = max(connectedAt ?? silentBeforeReport, silentBeforeReport)
            return transition(to: .suspended)
        case .expired, .authFailed:
            return transition(to: .expired)
        }
    }

    /// Called on every tick of the client's timer: presumes expiry a full session timeout after
    /// the estimated last contact.
    mutating func onTick(at now: ContinuousClock.Instant) -> SessionState? {
        guard state == .suspended, let since = disconnectedSince, now - since >= sessionTimeout else { return nil }
        return transition(to: .expired)
    }

    /// The owner closed the client.
    mutating func onClosed() -> SessionState? {
        guard !state.isTerminal else { return nil }
        return transition(to: .closed)
    }

    private mutating func transition(to next: SessionState) -> SessionState? {
        guard next != state else { return nil }
        state = next
        return next
    }
}
