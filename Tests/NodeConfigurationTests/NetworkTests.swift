import Testing
@testable import NodeConfiguration

@Suite struct NetworkTests {
    private let upstream = """
        cluster:
          name: test
          coordinator_nodes: [hv1, hv2, hv3]
          networks:
            upstream:
              domain: example.net
              device: ens4
              mtu: 1500
              ipv4:
                netmask: 24
                network_address: 10.0.0.0
                floating_address: 10.0.0.250
                gateway_address: 10.0.0.254
                node_ip_selection: by-id

        """

    private func parse(_ yaml: String) throws(ConfigurationError) -> LoadedConfiguration {
        try NodeConfiguration.parse(yaml: yaml, file: "pvcnoded.yaml", hostname: "hv1")
    }

    private func error(_ yaml: String) -> ConfigurationError? {
        do {
            _ = try parse(yaml)
            return nil
        } catch {
            return error
        }
    }

    /// One network with `ipv4` given in flow style, so each error test changes only the value it is about.
    private func network(device: String = "ens4", ipv4: String) -> String {
        minimalYAML
            + "  networks:\n    storage: {device: \"\(device)\", ipv4: {\(ipv4)}}\n"
    }

    @Test func fullNetworkIsRead() throws {
        let loaded = try parse(upstream)
        #expect(loaded.warningsBesidesClusterDomain == [])
        #expect(loaded.configuration.networks == [
            "upstream": ClusterNetworkSettings(
                device: "ens4", floatingAddress: "10.0.0.250", prefixLength: 24, domain: "example.net", mtu: 1500,
                networkAddress: "10.0.0.0", gatewayAddress: "10.0.0.254", nodeIPSelection: "by-id"),
        ])
        #expect(loaded.configuration.networks["upstream"]?.floatingCIDR == "10.0.0.250/24")
    }

    @Test func minimalNetworksAndAllThree() throws {
        let yaml = minimalYAML + """
              networks:
                upstream: {device: eth0, ipv4: {netmask: 24, floating_address: 10.251.7.100}}
                cluster: {device: eth1, ipv4: {netmask: 16, floating_address: 10.1.0.1}}
                storage: {device: eth2.100, ipv4: {netmask: 32, floating_address: 10.2.0.1, node_ip_selection: 10.2.0.9}}

            """
        let networks = try parse(yaml).configuration.networks
        #expect(networks.keys.sorted() == ["cluster", "storage", "upstream"])
        #expect(networks["upstream"] == ClusterNetworkSettings(
            device: "eth0", floatingAddress: "10.251.7.100", prefixLength: 24))
        #expect(networks["cluster"]?.prefixLength == 16)
        #expect(networks["storage"]?.nodeIPSelection == "10.2.0.9")
    }

    @Test func absentOrEmptySectionMeansNoNetworks() throws {
        #expect(try parse(minimalYAML).configuration.networks == [:])
        let empty = minimalYAML + "  networks:\n    upstream:\n"
        let loaded = try parse(empty)
        #expect(loaded.configuration.networks == [:])
        #expect(loaded.warningsBesidesClusterDomain == [])
    }

    @Test(arguments: [
        ("255.255.255.0", 24), ("255.255.0.0", 16), ("255.255.255.255", 32), ("0.0.0.0", 0), ("255.255.255.252", 30),
        ("0", 0), ("32", 32), ("\"24\"", 24),
    ])
    func netmaskAsPrefixOrDotted(netmask: String, prefix: Int) throws {
        let yaml = network(ipv4: "netmask: \(netmask), floating_address: 10.0.0.1")
        #expect(try parse(yaml).configuration.networks["storage"]?.prefixLength == prefix)
    }

    @Test(arguments: ["33", "-1", "255.0.255.0", "255.255.255.1", "24.5", "/24", "[24]"])
    func badNetmaskIsRefused(netmask: String) throws {
        let failure = try #require(error(network(ipv4: "netmask: \(netmask), floating_address: 10.0.0.1")))
        #expect(failure.key == "cluster.networks.storage.ipv4.netmask")
        #expect(failure.problem.hasPrefix("expected a prefix length (0-32) or a dotted netmask"))
    }

    @Test(arguments: ["10.0.0.300", "10.0.0", "10.0.0.1.2", "10.0.0.01", "10.0.0.-1", "10..0.1", "ten.0.0.1", "::1"])
    func badFloatingAddressIsRefused(address: String) throws {
        let failure = try #require(error(network(ipv4: "netmask: 24, floating_address: \"\(address)\"")))
        #expect(failure.kind == .invalid)
        #expect(failure.description
            == "pvcnoded.yaml: cluster.networks.storage.ipv4.floating_address: expected an IPv4 address, got \"\(address)\"")
    }

    @Test func otherAddressesAreCheckedToo() throws {
        for key in ["network_address", "gateway_address"] {
            let failure = error(network(ipv4: "netmask: 24, floating_address: 10.0.0.1, \(key): 10.0.0.256"))
            #expect(failure?.key == "cluster.networks.storage.ipv4.\(key)")
        }
        let selection = error(network(ipv4: "netmask: 24, floating_address: 10.0.0.1, node_ip_selection: by-name"))
        #expect(selection?.key == "cluster.networks.storage.ipv4.node_ip_selection")
        let listed = error(network(ipv4: "netmask: 24, floating_address: [10.0.0.1]"))
        #expect(listed?.kind == .mistyped)
    }

    @Test func floatingAddressMustBeInsideTheNetwork() throws {
        let failure = try #require(error(network(
            ipv4: "netmask: 24, network_address: 10.0.0.0, floating_address: 10.0.1.250")))
        #expect(failure.kind == .invalid)
        #expect(failure.description == "pvcnoded.yaml: cluster.networks.storage.ipv4.floating_address: "
            + "expected an address inside 10.0.0.0/24 (network_address/netmask), got \"10.0.1.250\"")
        let gateway = error(network(
            ipv4: "netmask: 24, network_address: 10.0.0.0, floating_address: 10.0.0.250, gateway_address: 10.9.0.1"))
        #expect(gateway?.key == "cluster.networks.storage.ipv4.gateway_address")
        // A wider netmask takes in the same address.
        #expect(error(network(ipv4: "netmask: 16, network_address: 10.0.0.0, floating_address: 10.0.1.250")) == nil)
    }

    @Test func requiredKeysAreNamed() throws {
        let yaml = minimalYAML + "  networks:\n"
        let device = try #require(error(yaml + "    upstream: {ipv4: {netmask: 24, floating_address: 10.0.0.1}}\n"))
        #expect(device.kind == .missing)
        #expect(device.key == "cluster.networks.upstream.device")
        #expect(device.description.hasPrefix("pvcnoded.yaml: cluster.networks.upstream.device: required key is missing"))
        let floating = try #require(error(yaml + "    upstream: {device: ens4, ipv4: {netmask: 24}}\n"))
        #expect(floating.key == "cluster.networks.upstream.ipv4.floating_address")
        let netmask = try #require(error(yaml + "    upstream: {device: ens4, ipv4: {floating_address: 10.0.0.1}}\n"))
        #expect(netmask.key == "cluster.networks.upstream.ipv4.netmask")
        let noIPv4 = try #require(error(yaml + "    upstream: {device: ens4}\n"))
        #expect(noIPv4.key == "cluster.networks.upstream.ipv4.netmask")
        let notMapping = try #require(error(yaml + "    upstream: ens4\n"))
        #expect(notMapping.description == #"pvcnoded.yaml: cluster.networks.upstream: expected a mapping of keys, got "ens4""#)
    }

    @Test(arguments: ["averyveryverylongname", "br/0", "eth 0", "eth0:1", ".", ".."])
    func implausibleDeviceIsRefused(device: String) throws {
        let failure = try #require(error(network(device: device, ipv4: "netmask: 24, floating_address: 10.0.0.1")))
        #expect(failure.kind == .invalid)
        #expect(failure.key == "cluster.networks.storage.device")
        #expect(failure.problem.hasPrefix("expected a network interface name"))
    }

    @Test func fifteenCharacterDeviceIsAccepted() throws {
        let yaml = network(device: "pvc254v50abcdef", ipv4: "netmask: 24, floating_address: 10.0.0.1")
        #expect(try parse(yaml).configuration.networks["storage"]?.device == "pvc254v50abcdef")
    }

    @Test func badMTUIsRefused() throws {
        let yaml = minimalYAML
            + "  networks: {cluster: {device: ens4, mtu: 20, ipv4: {netmask: 24, floating_address: 10.0.0.1}}}\n"
        #expect(error(yaml)?.key == "cluster.networks.cluster.mtu")
    }

    @Test func unknownKeysInsideANetworkAreWarned() throws {
        let yaml = minimalYAML + """
              networks:
                upstream: {device: ens4, vni: 5, ipv4: {netmask: 24, floating_address: 10.0.0.1, floating: 10.0.0.2}}
                public: {device: ens9}

            """
        let loaded = try parse(yaml)
        #expect(loaded.warningsBesidesClusterDomain.map(\.key) == [
            "cluster.networks.upstream.ipv4.floating", "cluster.networks.upstream.vni", "cluster.networks.public",
        ])
        #expect(loaded.configuration.networks.keys.sorted() == ["upstream"])
    }
}
