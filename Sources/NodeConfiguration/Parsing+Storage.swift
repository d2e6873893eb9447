extension NodeConfiguration {
    /// `path.ceph_directory`, `ceph.*` and `storage.*`. The sections are read (and their keys checked) even with storage
    /// off, so a typo is reported before the day storage is turned on.
    static func readStorage(
        cephDirectory: String?, ceph: YAMLSection, storage: YAMLSection, networks: [String: ClusterNetworkSettings]
    ) throws(ConfigurationError) -> StorageSettings {
        var settings = StorageSettings()
        settings.cephDirectory = cephDirectory ?? settings.cephDirectory
        settings.configFileName = try ceph.string("ceph_config_file") ?? settings.configFileName
        settings.keyringFileName = try ceph.string("ceph_keyring_file") ?? settings.keyringFileName
        if let port = try ceph.integer("monitor_port", minimum: 1, "a TCP port number (1-65535)") {
            guard port <= 65535 else {
                throw ConfigurationError(kind: .invalid, file: ceph.file, key: ceph.dotted("monitor_port"),
                                         problem: "expected a TCP port number (1-65535), got \"\(port)\"")
            }
            settings.monitorPort = port
        }
        settings.secretUUID = try ceph.string("secret_uuid")
        settings.monitorHosts = try ceph.stringList("monitor_hosts")
        ceph.finish()

        settings.clientID = try storage.string("client_id") ?? settings.clientID
        if let node = storage.value("client_address") {
            let key = storage.dotted("client_address")
            let text = try storage.string(at: key, node)
            guard IPv4Text.value(of: text) != nil || isIPv6(text) else {
                throw storage.invalid(key, "this node's IPv4 or IPv6 address as its Ceph clients present it", node)
            }
            settings.clientAddress = text
        } else if let selection = networks["storage"]?.nodeIPSelection, IPv4Text.value(of: selection) != nil {
            settings.clientAddress = selection
        }
        settings.blocklistOnFence = try storage.bool("blocklist_on_fence", default: settings.blocklistOnFence)
        settings.blocklistExpiry = try storage.seconds("blocklist_expiry", default: settings.blocklistExpiry)
        settings.connectTimeout = try storage.seconds("connect_timeout", default: settings.connectTimeout)
        settings.operationTimeout = try storage.seconds("operation_timeout", default: settings.operationTimeout)
        storage.finish()
        return settings
    }

    /// Enough to tell an IPv6 address from a typo; Ceph itself is the judge of the exact form.
    private static func isIPv6(_ text: String) -> Bool {
        text.contains(":") && text.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
    }
}
