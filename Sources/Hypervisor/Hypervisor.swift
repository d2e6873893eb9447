/// What the daemon's VM runtime needs from a hypervisor: transient domains created from XML,
/// stopped, inspected, migrated to a peer and watched. Domains are named by their UUID string
/// (lower-case, as PVC keys them in ZooKeeper).
///
/// Every call is bounded: a hung hypervisor surfaces as `HypervisorError.timedOut` naming the
/// call, never as a task that waits forever.
public protocol Hypervisor: Sendable {
    /// Starts a transient domain (as PVC does: the definition lives in ZooKeeper, not in
    /// libvirt) and returns its UUID.
    func create(xml: String) async throws(HypervisorError) -> String
    /// Asks the guest to power off (ACPI); returns once the request is sent, not when the guest
    /// has stopped. A guest without an OS may ignore it: follow with `destroy` after a timeout.
    func shutdown(_ uuid: String) async throws(HypervisorError)
    /// Stops the domain at once, like pulling the plug.
    func destroy(_ uuid: String) async throws(HypervisorError)
    /// `.notDefined` when no such domain exists: an answer, not an error.
    func state(_ uuid: String) async throws(HypervisorError) -> DomainState
    /// nil when no such domain exists.
    func info(_ uuid: String) async throws(HypervisorError) -> DomainInfo?
    /// The live XML of a domain (with the ports libvirt chose, e.g. VNC's), nil when no such
    /// domain exists.
    func xmlDescription(_ uuid: String) async throws(HypervisorError) -> String?
    /// UUIDs of the domains that are running (not paused, not shut off).
    func runningDomains() async throws(HypervisorError) -> [String]
    /// nil when no such domain exists or it has no stats right now (not active, or busy with a
    /// job such as an incoming migration).
    func stats(_ uuid: String) async throws(HypervisorError) -> DomainStats?
    /// Stats of every active domain whose stats can be read without waiting on a job.
    func allStats() async throws(HypervisorError) -> [DomainStats]
    /// Live-migrates a running domain to the hypervisor at `destinationURI`, the data going to
    /// `migrationURI` (nil: the destination's own choice); `maxDowntime` is the longest pause
    /// allowed for the final switch-over (nil: libvirt's default). `timeout` bounds the whole
    /// migration (nil: the implementation's default for migrations, longer than other calls').
    func migrate(
        _ uuid: String, to destinationURI: String, migrationURI: String?, maxDowntime: Duration?, timeout: Duration?
    ) async throws(HypervisorError) -> MigrationResult
    /// Lifecycle events of every domain on this hypervisor, from the moment of the call. Each
    /// call returns a new stream; it ends when the hypervisor is closed.
    func lifecycleEvents() -> AsyncStream<LifecycleEvent>
}

extension Hypervisor {
    /// `migrate` with the default migration timeout.
    public func migrate(
        _ uuid: String, to destinationURI: String, migrationURI: String?, maxDowntime: Duration?
    ) async throws(HypervisorError) -> MigrationResult {
        try await migrate(uuid, to: destinationURI, migrationURI: migrationURI, maxDowntime: maxDowntime, timeout: nil)
    }
}
