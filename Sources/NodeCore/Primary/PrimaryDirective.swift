/// What the primary-role core asks its runtime to do. Every directive that talks to ZooKeeper or
/// the host is bounded by the runtime and answered with the event named here.
public enum PrimaryDirective: Sendable, Equatable {
    /// A line for the log.
    case note(String)
    /// Set own `routerstate`, as a compare-and-set on the version of this node's last write of it.
    /// Answer: nothing; `onRouterStateTaken` if another node wrote it meanwhile (a failure of any
    /// other kind is logged; the next decision rewrites it).
    case writeRouterState(RouterState)
    /// Contend: take the exclusive lock on `/config/primary_node` (0.4 s, PVC's), write own name
    /// only if the znode is still at `expectedVersion`, release. Answer: `onClaimed`.
    case claim(expectedVersion: Int32)
    /// Write own name into an empty `/config/primary_node` at `expectedVersion` (the primary's
    /// re-assertion; never over `none`). Answer: the key's watch.
    case reassert(expectedVersion: Int32)
    /// Write `none` into `/config/primary_node` if still at `expectedVersion` (a primary leaving).
    /// Answer: the key's watch.
    case vacate(expectedVersion: Int32)
    /// One transaction: `/config/primary_node` = `none` if still at `expectedVersion`, and the gone
    /// primary's `routerstate` = `secondary` if still at `routerStateVersion`, and its keepalive
    /// still at `keepaliveVersion` — so no stale `primary` outlives it, and a node that restarted
    /// (registration rewrites its router state) or wrote a keepalive since the read is left alone.
    /// Answer: the watch.
    case clearGonePrimary(name: String, expectedVersion: Int32, routerStateVersion: Int32, keepaliveVersion: Int32)
    /// Read `/config/primary_node` afresh. Answer: `onPrimaryNode`.
    case readPrimaryNode
    /// Read every coordinator's router state (with its version), daemon state and keepalive.
    /// Answer: `onPeers`.
    case readPeers
    /// Read one node's keepalive alone (a secondary checking the primary each tick: one request).
    /// Answer: `onPrimaryKeepalive`.
    case checkLiveness(String)
    /// Read one node's router state, daemon state and keepalive, with their versions.
    /// Answer: `onPrimaryLiveness`.
    case readPeer(String)
    /// One transaction: every `checks` router state still at its version, each of `clearing` (gone
    /// nodes still marked primary or takeover) set to `secondary`, own router state `takeover`.
    /// Answer: `onTakeoverEntered`.
    case enterTakeover(checks: [String: Int32], clearing: [String])
    /// Record own progress in `/config/primary_node/sync_lock` (compare-and-set, own field only).
    /// Answer: nothing needed; the peer reads it through its watch.
    case writeMarker(epoch: Int32, side: HandoverSide, phase: HandoverPhase)
    /// Watch `/config/primary_node/sync_lock` and report each value with `onMarker`; stop when
    /// `stopWatchingMarker` comes.
    case watchMarker
    case stopWatchingMarker
    /// Add the floating addresses of these networks (each followed by gratuitous ARP).
    /// Answer: `onAddressesAdded`.
    case addAddresses([FloatingNetwork])
    /// Remove them. Answer: `onAddressesRemoved`.
    case removeAddresses([FloatingNetwork])
    /// Start or stop the primary-only duties. Answer: `onDutiesStarted` / `onDutiesStopped`.
    case startDuties
    case stopDuties
    /// Call `onTick` at this moment (milliseconds of the monotonic clock), for a bound.
    case wake(at: Int)
    /// The role no longer holds the daemon's shutdown back (sent once, after `onShutdownRequested`).
    case shutdownReady
}
