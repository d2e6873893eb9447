import Hypervisor

/// What the VM runtime needs from the configuration, translated once.
struct VMRuntimeSettings: Sendable {
    /// `node.libvirt_uri`.
    var libvirtURI: String
    /// `timer.vm_shutdown_timeout`.
    var shutdownTimeout: Duration
    /// `migration.live_attempts`.
    var liveAttempts: Int
    /// `migration.destination_uri` / `migration.migration_uri`, expanded per target unless the
    /// target has a `migration.peers` entry.
    var destinationURI: URITemplate
    var migrationURI: URITemplate
    var peers: [String: MigrationPeerURIs]
    /// `cluster.networks.cluster.domain`; nil when not configured.
    var clusterDomain: String?
    /// How long the source waits for the VM's locks before aborting a migration: longer than
    /// PVC's client holds the state lock (0.5 s), far shorter than any migration.
    var lockTimeout: Duration = .seconds(30)
    /// Pause between two live attempts (PVC's 0.5 s): a transient refusal (the target's libvirtd
    /// restarting) gets a moment to clear.
    var attemptPause: Duration = .milliseconds(500)
    /// `path.console_log_directory` and `logging.console_log_lines`.
    var consoleLogDirectory: String
    var consoleLogLines: Int
    /// `migration.max_parallel` and `migration.max_retries`, for flush and ready.
    var maxParallel: Int
    var maxRetries: Int
    var callTimeouts: CallTimeouts = .default

    struct MigrationPeerURIs: Sendable {
        var destination: String
        var migration: String?
    }

    /// Where a migration to `target` goes, or why it cannot.
    func uris(for target: String) -> Result<(destination: String, migration: String?), DestinationProblem> {
        if let peer = peers[target] {
            // A peer without a migration URI lets libvirt choose: the node is listed because its
            // templated name does not work, so the template is no use for it either.
            return .success((peer.destination, peer.migration))
        }
        guard let destination = destinationURI.expanded(node: target, clusterDomain: clusterDomain) else {
            return .failure(DestinationProblem(
                target: target,
                reason: "\(destinationURI) needs cluster.networks.cluster.domain, which is not set, and migration.peers has no entry for \(target)"))
        }
        return .success((destination, migrationURI.expanded(node: target, clusterDomain: clusterDomain)))
    }

    struct DestinationProblem: Error, CustomStringConvertible {
        var target: String
        var reason: String
        var description: String { "no destination URI for \(target): \(reason)" }
    }
}

extension URITemplate {
    /// nil when the template needs a cluster domain and none is configured.
    func expanded(node: String, clusterDomain: String?) -> String? {
        if let clusterDomain { return expand(node: node, clusterDomain: clusterDomain) }
        return template.contains("{cluster_domain}") ? nil : expand(node: node, clusterDomain: "")
    }
}
