/// `migration.*` and the check that ties its templates to `cluster.networks.cluster.domain`.
extension NodeConfiguration {
    static func readMigration(_ section: YAMLSection) throws(ConfigurationError) -> MigrationSettings {
        var migration = MigrationSettings()
        migration.targetSelector = try section.choice("target_selector", default: migration.targetSelector)
        migration.maxParallel = try section.integer(
            "max_parallel", minimum: 1, "a whole number of migrations at once (1 or more)") ?? migration.maxParallel
        migration.maxRetries = try section.integer(
            "max_retries", minimum: 1, "a whole number of attempts per VM (1 or more)") ?? migration.maxRetries
        migration.liveAttempts = try section.integer(
            "live_attempts", minimum: 1, "a whole number of live attempts (1 or more)") ?? migration.liveAttempts
        migration.destinationURI = try template(section, "destination_uri") ?? migration.destinationURI
        migration.migrationURI = try template(section, "migration_uri") ?? migration.migrationURI
        migration.peers = try readPeers(section)
        section.finish()
        return migration
    }

    private static func template(_ section: YAMLSection, _ key: String) throws(ConfigurationError) -> String? {
        guard let text = try section.string(key) else { return nil }
        if let problem = URITemplateText.problem(in: text) {
            throw ConfigurationError(
                kind: .invalid, file: section.file, key: section.dotted(key),
                problem: "invalid URI template \(text.debugDescription): \(problem)")
        }
        return text
    }

    private static func readPeers(_ section: YAMLSection) throws(ConfigurationError) -> [String: MigrationPeer] {
        guard let node = section.value("peers") else { return [:] }
        let key = section.dotted("peers")
        guard let mapping = node.mapping else {
            throw section.mistyped(key, "a mapping of node names to {destination_uri, migration_uri}", node)
        }
        var peers: [String: MigrationPeer] = [:]
        for entry in mapping.entries {
            let name = entry.key.text
            guard isNodeName(name) else {
                throw ConfigurationError(
                    kind: .invalid, file: section.file, key: key,
                    problem: "expected node names as keys (not empty, \".\" or \"..\"; no '/', spaces or control "
                        + "characters), got \(name.debugDescription)")
            }
            let peerKey = "\(key).\(name)"
            // Checked here rather than left to YAMLSection so the message says what a peer is, not just "a mapping".
            if !entry.value.isNull && entry.value.mapping == nil {
                throw section.mistyped(peerKey, "a mapping with destination_uri and optionally migration_uri", entry.value)
            }
            let peer = try YAMLSection(node: entry.value, path: peerKey, warnings: section.warnings)
            guard let destination = try peerURI(peer, "destination_uri") else {
                throw peer.missing("destination_uri", "this node's libvirt URI, e.g. qemu+tcp://127.0.0.1:16510/system")
            }
            let migrationURI = try peerURI(peer, "migration_uri")
            peer.finish()
            peers[name] = MigrationPeer(destinationURI: destination, migrationURI: migrationURI)
        }
        return peers
    }

    private static func peerURI(_ peer: YAMLSection, _ key: String) throws(ConfigurationError) -> String? {
        guard let node = peer.value(key) else { return nil }
        let dotted = peer.dotted(key)
        let text = try peer.string(at: dotted, node)
        guard !URITemplateText.hasBraces(text) else {
            throw peer.invalid(
                dotted, "a URI without placeholders (a peer is one node: {node} and {cluster_domain} are not filled in "
                    + "here)", node)
        }
        return text
    }

    /// A node name is a ZooKeeper path segment (`/nodes/<name>`) and a word in logs and commands, so it must be one
    /// non-empty segment that is not `.` or `..`, without spaces or control characters.
    static func isNodeName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".."
            && !name.unicodeScalars.contains {
                $0 == "/" || $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F
            }
    }

    /// Without a cluster domain, `{cluster_domain}` has nothing to become: not an error, because a test or one-machine
    /// cluster may reach every node through `migration.peers`, but worth a warning since any other target will fail.
    /// Quiet when the VM runtime is off (no migrations at all), and when `cluster.all_nodes` names every node and each
    /// one besides this node has a peer entry, since then no template is ever expanded.
    static func checkClusterDomain(_ configuration: NodeConfiguration, _ warnings: WarningCollector) {
        guard configuration.subsystem.enableHypervisor, configuration.clusterDomain == nil else { return }
        let migration = configuration.migration
        let templates = [
            ("migration.destination_uri", migration.destinationURI), ("migration.migration_uri", migration.migrationURI),
        ]
        let users = templates.filter { URITemplateText.uses("cluster_domain", in: $0.1) }.map(\.0)
        guard !users.isEmpty else { return }
        let others = Set(configuration.cluster.allNodes + configuration.cluster.coordinatorNodes)
            .subtracting([configuration.node.name])
        let everyNodeIsAPeer = !configuration.cluster.allNodes.isEmpty
            && others.allSatisfy { migration.peers[$0] != nil }
        guard !everyNodeIsAPeer else { return }
        let verb = users.count == 1 ? "uses" : "use"
        warnings.warn(
            "cluster.networks.cluster.domain",
            "not set, but \(users.joined(separator: " and ")) \(verb) {cluster_domain}; migrations to nodes without a "
                + "migration.peers entry will fail")
    }
}
