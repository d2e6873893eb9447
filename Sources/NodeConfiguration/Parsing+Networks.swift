/// `cluster.networks.*`: each network is optional (a node without floating addresses, such as the demo's, has none),
/// but one that is present must say where its floating address goes, since half a network cannot be brought up.
extension NodeConfiguration {
    static func readNetworks(_ cluster: YAMLSection) throws(ConfigurationError) -> [String: ClusterNetworkSettings] {
        let section = try cluster.section("networks")
        var networks: [String: ClusterNetworkSettings] = [:]
        for name in ClusterNetworkSettings.names {
            // An absent or empty (`upstream:`) network is simply not configured, like every other empty key.
            guard let node = section.value(name) else { continue }
            let network = try YAMLSection(node: node, path: section.dotted(name), warnings: section.warnings)
            networks[name] = try readNetwork(network)
        }
        section.finish()
        return networks
    }

    private static func readNetwork(_ section: YAMLSection) throws(ConfigurationError) -> ClusterNetworkSettings {
        let domain = try section.string("domain")
        guard let deviceNode = section.value("device") else {
            throw section.missing("device", "the interface the floating address goes on")
        }
        let device = try interfaceName(section, at: section.dotted("device"), deviceNode)
        let mtu = try section.integer("mtu", minimum: 68, "an MTU in bytes (68 or more)")

        let ipv4 = try section.section("ipv4")
        guard let netmaskNode = ipv4.value("netmask") else {
            throw ipv4.missing("netmask", "the prefix length, e.g. 24, or a dotted netmask")
        }
        let prefixLength = try netmask(ipv4, at: ipv4.dotted("netmask"), netmaskNode)
        let network = try address(ipv4, "network_address")
        guard let floating = try address(ipv4, "floating_address") else {
            throw ipv4.missing("floating_address", "the IPv4 address the primary coordinator holds")
        }
        let gateway = try address(ipv4, "gateway_address")
        let selection = try nodeIPSelection(ipv4)
        // Checked only against a given network_address: without one there is nothing to contradict.
        if let network {
            let checks: [(key: String, address: (text: String, value: UInt32)?)] = [
                ("floating_address", floating), ("gateway_address", gateway),
            ]
            for (key, checked) in checks {
                guard let checked, !IPv4Text.contains(network: network.value, prefixLength: prefixLength, checked.value)
                else { continue }
                throw ConfigurationError(
                    kind: .invalid, file: ipv4.file, key: ipv4.dotted(key),
                    problem: "expected an address inside \(network.text)/\(prefixLength) (network_address/netmask), "
                        + "got \"\(checked.text)\"")
            }
        }
        ipv4.finish()
        section.finish()
        return ClusterNetworkSettings(
            device: device, floatingAddress: floating.text, prefixLength: prefixLength, domain: domain, mtu: mtu,
            networkAddress: network?.text, gatewayAddress: gateway?.text, nodeIPSelection: selection)
    }

    /// The kernel's own rule (`dev_valid_name`): 1–15 bytes, not `.` or `..`, no `/`, `:` or whitespace. Checking
    /// it here turns a typo into a start-up error instead of a failed `ip address add` at the first takeover.
    private static func interfaceName(
        _ section: YAMLSection, at key: String, _ node: YAMLNode
    ) throws(ConfigurationError) -> String {
        let name = try section.string(at: key, node)
        let valid = name.utf8.count <= 15 && name != "." && name != ".."
            && !name.contains(where: { $0 == "/" || $0 == ":" || $0.isWhitespace })
        guard valid else {
            throw section.invalid(key, "a network interface name (1-15 characters, no '/', ':' or spaces)", node)
        }
        return name
    }

    /// PVC writes a prefix length (`24`); a dotted netmask is accepted too because that is how many operators
    /// think of it, and both end up as the prefix length.
    private static func netmask(_ section: YAMLSection, at key: String, _ node: YAMLNode) throws(ConfigurationError) -> Int {
        let expected = "a prefix length (0-32) or a dotted netmask such as 255.255.255.0"
        guard let scalar = node.scalar else { throw section.mistyped(key, expected, node) }
        if let length = scalar.int ?? Int(scalar.text) {
            guard (0...32).contains(length) else { throw section.invalid(key, expected, node) }
            return length
        }
        guard let length = IPv4Text.prefixLength(ofNetmask: scalar.text) else {
            throw section.invalid(key, expected, node)
        }
        return length
    }

    private static func address(
        _ section: YAMLSection, _ key: String
    ) throws(ConfigurationError) -> (text: String, value: UInt32)? {
        guard let node = section.value(key) else { return nil }
        let dotted = section.dotted(key)
        guard let scalar = node.scalar else { throw section.mistyped(dotted, "an IPv4 address", node) }
        guard let value = IPv4Text.value(of: scalar.text) else { throw section.invalid(dotted, "an IPv4 address", node) }
        return (scalar.text, value)
    }

    /// PVC's choices: `by-id` (derive the node's address from its number) or one fixed IPv4 address.
    private static func nodeIPSelection(_ section: YAMLSection) throws(ConfigurationError) -> String? {
        guard let node = section.value("node_ip_selection") else { return nil }
        let key = section.dotted("node_ip_selection")
        let text = try section.string(at: key, node)
        guard text == "by-id" || IPv4Text.value(of: text) != nil else {
            throw section.invalid(key, "by-id or an IPv4 address", node)
        }
        return text
    }
}
