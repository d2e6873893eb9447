import Coordination

/// A node's own lifecycle, init → run → shutdown → stop, as PVC's tools read it from
/// `/nodes/N`: registration, keepalives and the goodbye. Pure: events in, directives out, the
/// time passed in as PVC's keepalive value (epoch seconds).
public struct NodeLifecycle: Sendable {
    public enum Phase: Sendable, Equatable {
        case notStarted
        case registering
        /// Registered with `daemonstate` = init; the first keepalive moves it to run.
        case initialized
        case running
        case shuttingDown
        case stopping
        case stopped
    }

    public let identity: NodeIdentity
    public let paths: NodePaths
    public private(set) var phase: Phase = .notStarted
    /// The state word last committed by this node, nil before registration committed.
    public private(set) var committedState: DaemonState?
    /// Set while a keepalive transaction is out, so a tick arriving before its outcome does not
    /// pile a second one behind it (the runtime bounds each one by the interval).
    public private(set) var keepaliveInFlight = false

    public init(identity: NodeIdentity, paths: NodePaths) {
        self.identity = identity
        self.paths = paths
    }

    /// The daemon connected and the schema is in place; `nodeExists` says whether `/nodes/N` was
    /// found. An existing node keeps its keepalive, domain state and figures, as in PVC: a
    /// restarted node must not look freshly alive before its first keepalive, nor lose a flush.
    public mutating func onStarted(nodeExists: Bool, now: Int) -> [Directive] {
        guard phase == .notStarted else { return [] }
        phase = .registering
        return [.write(.registration, RegistrationWrites.operations(
            identity: identity, paths: paths, nodeExists: nodeExists, now: now))]
    }

    /// Every keepalive rewrites the figures and the timestamp in one transaction of plain sets,
    /// without reading first: only this node writes these keys. The first one also writes `run`,
    /// in the same transaction as the timestamp, so no one ever sees `run` next to a stale
    /// timestamp (PVC bug class 4: a restarted node fenced once).
    public mutating func onKeepaliveTick(_ stats: KeepaliveStats, now: Int) -> [Directive] {
        guard phase == .initialized || phase == .running, !keepaliveInFlight else { return [] }
        var operations = KeepaliveWrites.operations(stats, paths: paths, now: now)
        if phase == .initialized {
            operations.insert(KeepaliveWrites.state(.run, paths: paths), at: 0)
        }
        keepaliveInFlight = true
        return [.write(.keepalive, operations)]
    }

    /// SIGTERM or SIGINT. The node announces `shutdown` with a last keepalive, then `stop`, then
    /// closes its session; VMs are left running, as PVC leaves them.
    public mutating func onShutdownRequested(_ stats: KeepaliveStats, now: Int) -> [Directive] {
        switch phase {
        case .notStarted, .registering:
            // Nothing of ours is known to be in the tree; a registration in flight commits or not
            // on its own, and closing the session is all that is left.
            phase = .stopped
            return [.closeSession]
        case .initialized, .running:
            phase = .shuttingDown
            var operations = [KeepaliveWrites.state(.shutdown, paths: paths)]
            operations += KeepaliveWrites.operations(stats, paths: paths, now: now)
            return [.write(.shutdown, operations)]
        case .shuttingDown, .stopping, .stopped:
            return []
        }
    }

    public mutating func onWriteSucceeded(_ purpose: WritePurpose) -> [Directive] {
        switch (purpose, phase) {
        case (.registration, .registering):
            phase = .initialized
            committedState = .initializing
            return []
        case (.keepalive, _):
            keepaliveInFlight = false
            guard phase == .initialized else { return [] }
            phase = .running
            committedState = .run
            return []
        case (.shutdown, .shuttingDown):
            committedState = .shutdown
            return stop()
        case (.stop, .stopping):
            committedState = .stop
            phase = .stopped
            return [.closeSession]
        default:
            return []
        }
    }

    /// Failures are never retried in place: a keepalive is replaced by the next tick, and the
    /// goodbye goes on to the next step, because a daemon that is asked to stop must stop.
    public mutating func onWriteFailed(_ purpose: WritePurpose) -> [Directive] {
        switch (purpose, phase) {
        case (.registration, .registering):
            phase = .notStarted
            return [.retryStartup]
        case (.keepalive, _):
            keepaliveInFlight = false
            return []
        case (.shutdown, .shuttingDown):
            return stop()
        case (.stop, .stopping):
            phase = .stopped
            return [.closeSession]
        default:
            return []
        }
    }

    private mutating func stop() -> [Directive] {
        phase = .stopping
        return [.write(.stop, [KeepaliveWrites.state(.stop, paths: paths)])]
    }
}
