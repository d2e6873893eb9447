import Testing
@testable import NodeConfiguration

/// `migration.*` beyond the target selector, `subsystem.enable_hypervisor`, and the cluster-domain warning.
@Suite struct MigrationTests {
    private func parse(_ extra: String) throws(ConfigurationError) -> LoadedConfiguration {
        try NodeConfiguration.parse(yaml: minimalYAML + "\n" + extra, file: "pvcnoded.yaml", hostname: "hv1")
    }

    private func error(_ extra: String) -> ConfigurationError? {
        do {
            _ = try parse(extra)
            return nil
        } catch {
            return error
        }
    }

    /// A cluster network with a domain, for the tests that must not see the cluster-domain warning.
    private let clusterNetwork = "  networks: {cluster: {domain: pvc.local, device: ens5, ipv4: {netmask: 24, "
        + "floating_address: 10.1.0.250}}}\n"

    // MARK: Defaults and values

    @Test func absentKeysTakeTheDocumentedDefaults() throws {
        let config = try parse("").configuration
        #expect(config.migration == MigrationSettings(
            targetSelector: .mem, maxParallel: 4, maxRetries: 3, liveAttempts: 3,
            destinationURI: "qemu+tcp://{node}.{cluster_domain}/system", migrationURI: "tcp://{node}.{cluster_domain}",
            peers: [:]))
        #expect(config.subsystem == SubsystemSettings(enableHypervisor: true))
        // Null (`key:`) is absent, as everywhere.
        let nulls = try parse("migration: {max_parallel: , destination_uri: ~, peers: }\nsubsystem:\n").configuration
        #expect(nulls.migration == MigrationSettings())
        #expect(nulls.subsystem.enableHypervisor)
    }

    @Test(arguments: [("max_parallel", 1), ("max_parallel", 16), ("max_retries", 1), ("max_retries", 10),
                      ("live_attempts", 1), ("live_attempts", 5)])
    func integerKeysAreRead(key: String, value: Int) throws {
        let migration = try parse("migration: {\(key): \(value)}\n").configuration.migration
        let read = [("max_parallel", migration.maxParallel), ("max_retries", migration.maxRetries),
                    ("live_attempts", migration.liveAttempts)]
        let defaults = ["max_parallel": 4, "max_retries": 3, "live_attempts": 3]
        for (name, number) in read {
            // The key given takes its value; the others keep their defaults.
            #expect(number == (name == key ? value : defaults[name]), "\(name)")
        }
    }

    @Test func templatesAreKeptAsWritten() throws {
        let migration = try parse("""
            migration:
              destination_uri: "qemu+tls://{node}.{cluster_domain}:16514/system?pkipath=/etc/pki/{node}"
              migration_uri: "tcp://{node}"

            """).configuration.migration
        #expect(migration.destinationURI == "qemu+tls://{node}.{cluster_domain}:16514/system?pkipath=/etc/pki/{node}")
        #expect(migration.migrationURI == "tcp://{node}")
        // No placeholder at all is a valid template too (every node the same host, e.g. a tunnel).
        #expect(try parse("migration: {migration_uri: \"tcp://127.0.0.1:49152\"}\n").configuration.migration.migrationURI
            == "tcp://127.0.0.1:49152")
    }

    @Test func peersAreRead() throws {
        let loaded = try parse("""
            migration:
              peers:
                hv2:
                  destination_uri: "qemu+tcp://127.0.0.1:16510/system"
                  migration_uri: "tcp://127.0.0.1:49152"
                hv3: {destination_uri: "qemu+tcp://127.0.0.1:16511/system"}
                node.with-dots_1: {destination_uri: "test:///default"}

            """)
        #expect(loaded.configuration.migration.peers == [
            "hv2": MigrationPeer(destinationURI: "qemu+tcp://127.0.0.1:16510/system", migrationURI: "tcp://127.0.0.1:49152"),
            "hv3": MigrationPeer(destinationURI: "qemu+tcp://127.0.0.1:16511/system"),
            "node.with-dots_1": MigrationPeer(destinationURI: "test:///default"),
        ])
        #expect(loaded.warningsBesidesClusterDomain == [])
    }

    @Test func emptyPeersMappingIsNoPeers() throws {
        #expect(try parse("migration: {peers: {}}\n").configuration.migration.peers == [:])
    }

    @Test func unknownKeysInsideAPeerAreWarned() throws {
        let loaded = try parse("migration: {peers: {hv2: {destination_uri: \"test:///default\", migraton_uri: x}}}\n")
        #expect(loaded.warningsBesidesClusterDomain.map(\.description)
            == ["pvcnoded.yaml: migration.peers.hv2.migraton_uri: unknown key, ignored"])
        #expect(loaded.configuration.migration.peers["hv2"]?.migrationURI == nil)
    }

    @Test func hypervisorCanBeDisabled() throws {
        #expect(try !parse("subsystem: {enable_hypervisor: false}\n").configuration.subsystem.enableHypervisor)
        #expect(try parse("subsystem: {enable_hypervisor: yes}\n").configuration.subsystem.enableHypervisor)
    }

    @Test func clusterDomainIsTheClusterNetworksDomain() throws {
        #expect(try parse(clusterNetwork).configuration.clusterDomain == "pvc.local")
        // Another network's domain is not the cluster domain: PVC names nodes on the cluster network.
        let upstreamOnly = "  networks: {upstream: {domain: example.net, device: ens4, ipv4: {netmask: 24, "
            + "floating_address: 10.0.0.250}}}\n"
        #expect(try parse(upstreamOnly).configuration.clusterDomain == nil)
        let clusterWithoutDomain = "  networks: {cluster: {device: ens5, ipv4: {netmask: 24, floating_address: 10.1.0.1}}}\n"
        #expect(try parse(clusterWithoutDomain).configuration.clusterDomain == nil)
    }

    // MARK: Errors

    @Test(arguments: [
        ("max_parallel", "a whole number of migrations at once (1 or more)"),
        ("max_retries", "a whole number of attempts per VM (1 or more)"),
        ("live_attempts", "a whole number of live attempts (1 or more)"),
    ])
    func badIntegersNameTheKeyAndTheValue(key: String, expected: String) throws {
        for (value, kind) in [("many", ConfigurationError.Kind.mistyped), ("2.5", .mistyped), ("\"3\"", .mistyped),
                              ("0", .invalid), ("-1", .invalid)] {
            let failure = try #require(error("migration: {\(key): \(value)}\n"), "\(key): \(value)")
            let shown = value.hasPrefix("\"") ? value : "\"\(value)\""
            #expect(failure.kind == kind, "\(key): \(value)")
            #expect(failure.key == "migration.\(key)")
            #expect(failure.description == "pvcnoded.yaml: migration.\(key): expected \(expected), got \(shown)")
        }
        let list = try #require(error("migration: {\(key): [4]}\n"))
        #expect(list.description == "pvcnoded.yaml: migration.\(key): expected \(expected), got a list")
    }

    @Test(arguments: ["destination_uri", "migration_uri"])
    func badTemplatesNameTheKeyTheTemplateAndTheMistake(key: String) throws {
        let cases: [(template: String, reason: String)] = [
            ("qemu+tcp://{nodename}.{cluster_domain}/system", "unknown placeholder {nodename}; known: {node}, {cluster_domain}"),
            ("tcp://{node_id}", "unknown placeholder {node_id}; known: {node}, {cluster_domain}"),
            ("tcp://{}", "unknown placeholder {}; known: {node}, {cluster_domain}"),
            ("tcp://{NODE}", "unknown placeholder {NODE}; known: {node}, {cluster_domain}"),
            ("qemu+tcp://{node.{cluster_domain}/system", "'{' without '}'"),
            ("tcp://{node", "'{' without '}'"),
            ("tcp://node}", "'}' without '{'"),
            ("tcp://{node}}", "'}' without '{'"),
            ("tcp://{{node}}", "'{' without '}'"),
        ]
        for (template, reason) in cases {
            let failure = try #require(error("migration: {\(key): \"\(template)\"}\n"), "\(template)")
            #expect(failure.kind == .invalid)
            #expect(failure.key == "migration.\(key)")
            #expect(failure.description
                == "pvcnoded.yaml: migration.\(key): invalid URI template \"\(template)\": \(reason)")
        }
        let empty = try #require(error("migration: {\(key): \"\"}\n"))
        #expect(empty.description == "pvcnoded.yaml: migration.\(key): expected a non-empty string, got \"\"")
        let list = try #require(error("migration: {\(key): [a]}\n"))
        #expect(list.kind == .mistyped)
        #expect(list.description == "pvcnoded.yaml: migration.\(key): expected a string, got a list")
    }

    @Test func peersThatAreNotAMappingAreMistyped() throws {
        let expected = "expected a mapping of node names to {destination_uri, migration_uri}"
        let list = try #require(error("migration: {peers: [hv2, hv3]}\n"))
        #expect(list.kind == .mistyped)
        #expect(list.description == "pvcnoded.yaml: migration.peers: \(expected), got a list")
        let scalar = try #require(error("migration: {peers: hv2}\n"))
        #expect(scalar.description == "pvcnoded.yaml: migration.peers: \(expected), got \"hv2\"")
    }

    @Test(arguments: ["\"\"", "a/b", "\"..\"", "\".\"", "\"hv 2\"", "\"hv2\\t\"", "/hv2"])
    func badPeerNamesAreRefused(name: String) throws {
        let failure = try #require(error("migration: {peers: {\(name): {destination_uri: \"test:///default\"}}}\n"))
        #expect(failure.kind == .invalid)
        #expect(failure.key == "migration.peers")
        #expect(failure.problem.hasPrefix(
            "expected node names as keys (not empty, \".\" or \"..\"; no '/', spaces or control characters), got \""))
    }

    @Test func badPeerNameQuotesTheName() throws {
        let failure = try #require(error("migration: {peers: {a/b: {destination_uri: \"test:///default\"}}}\n"))
        #expect(failure.description == "pvcnoded.yaml: migration.peers: expected node names as keys (not empty, \".\" "
            + "or \"..\"; no '/', spaces or control characters), got \"a/b\"")
    }

    @Test func peerThatIsNotAMappingIsMistyped() throws {
        let failure = try #require(error("migration: {peers: {hv2: \"qemu+tcp://127.0.0.1:16510/system\"}}\n"))
        #expect(failure.kind == .mistyped)
        #expect(failure.description == "pvcnoded.yaml: migration.peers.hv2: expected a mapping with destination_uri "
            + "and optionally migration_uri, got \"qemu+tcp://127.0.0.1:16510/system\"")
    }

    @Test func peerWithoutADestinationIsIncomplete() throws {
        for peer in ["{migration_uri: \"tcp://127.0.0.1:49152\"}", "{}", ""] {
            let failure = try #require(error("migration: {peers: {hv2: \(peer)}}\n"), "\(peer)")
            #expect(failure.kind == .missing)
            #expect(failure.key == "migration.peers.hv2.destination_uri")
            #expect(failure.description.hasPrefix(
                "pvcnoded.yaml: migration.peers.hv2.destination_uri: required key is missing (this node's libvirt URI"))
        }
    }

    @Test(arguments: ["destination_uri", "migration_uri"])
    func peerURIsArePlainText(key: String) throws {
        let other = key == "destination_uri" ? "" : ", destination_uri: \"test:///default\""
        let failure = try #require(error("migration: {peers: {hv2: {\(key): \"tcp://{node}:49152\"\(other)}}}\n"))
        #expect(failure.kind == .invalid)
        #expect(failure.description == "pvcnoded.yaml: migration.peers.hv2.\(key): expected a URI without placeholders "
            + "(a peer is one node: {node} and {cluster_domain} are not filled in here), got \"tcp://{node}:49152\"")
        let empty = try #require(error("migration: {peers: {hv2: {\(key): \"\"\(other)}}}\n"))
        #expect(empty.description == "pvcnoded.yaml: migration.peers.hv2.\(key): expected a non-empty string, got \"\"")
    }

    @Test func enableHypervisorMustBeABoolean() throws {
        let failure = try #require(error("subsystem: {enable_hypervisor: sometimes}\n"))
        #expect(failure.kind == .mistyped)
        #expect(failure.description == "pvcnoded.yaml: subsystem.enable_hypervisor: expected true or false, got \"sometimes\"")
    }

    // MARK: The cluster-domain warning

    @Test func defaultTemplatesWithoutADomainWarnButLoad() throws {
        let loaded = try parse("")
        #expect(loaded.warnings.map(\.description) == [
            "pvcnoded.yaml: cluster.networks.cluster.domain: not set, but migration.destination_uri and "
                + "migration.migration_uri use {cluster_domain}; migrations to nodes without a migration.peers entry "
                + "will fail",
        ])
    }

    @Test func oneTemplateUsingTheDomainIsNamedAlone() throws {
        let loaded = try parse("migration: {migration_uri: \"tcp://{node}\"}\n")
        #expect(loaded.warnings.map(\.description) == [
            "pvcnoded.yaml: cluster.networks.cluster.domain: not set, but migration.destination_uri uses "
                + "{cluster_domain}; migrations to nodes without a migration.peers entry will fail",
        ])
        let other = try parse("migration: {destination_uri: \"qemu+tcp://{node}/system\"}\n")
        #expect(other.warnings.map(\.problem) == [
            "not set, but migration.migration_uri uses {cluster_domain}; migrations to nodes without a migration.peers "
                + "entry will fail",
        ])
    }

    @Test func noWarningWhenNothingNeedsTheDomain() throws {
        // A domain is configured.
        #expect(try parse(clusterNetwork).warnings == [])
        // Neither template uses it.
        #expect(try parse("""
            migration: {destination_uri: "qemu+tcp://{node}/system", migration_uri: "tcp://{node}"}

            """).warnings == [])
        // No migrations at all.
        #expect(try parse("subsystem: {enable_hypervisor: false}\n").warnings == [])
        // Every node the cluster lists, besides this one (hv1), has a peer.
        #expect(try parse("""
              all_nodes: [hv1, hv2, hv3, hv4]
            migration:
              peers:
                hv2: {destination_uri: "qemu+tcp://127.0.0.1:16510/system"}
                hv3: {destination_uri: "qemu+tcp://127.0.0.1:16511/system"}
                hv4: {destination_uri: "qemu+tcp://127.0.0.1:16512/system"}

            """).warnings == [])
    }

    @Test func peersWarnUnlessTheyCoverEveryListedNode() throws {
        // all_nodes empty: a hypervisor-only node may exist that no list names.
        let unlisted = try parse("""
            migration:
              peers:
                hv2: {destination_uri: "qemu+tcp://127.0.0.1:16510/system"}
                hv3: {destination_uri: "qemu+tcp://127.0.0.1:16511/system"}

            """)
        #expect(unlisted.warnings.map(\.key) == [clusterDomainKey])
        // hv4 is listed but has no peer.
        let uncovered = try parse("""
              all_nodes: [hv1, hv2, hv3, hv4]
            migration:
              peers:
                hv2: {destination_uri: "qemu+tcp://127.0.0.1:16510/system"}
                hv3: {destination_uri: "qemu+tcp://127.0.0.1:16511/system"}

            """)
        #expect(uncovered.warnings.map(\.key) == [clusterDomainKey])
    }
}
