import Testing
@testable import NodeConfiguration

@Suite struct StorageConfigurationTests {
    static let base = """
        cluster: {name: lab, coordinator_nodes: [hv1]}

        """

    @Test func storageIsOffByDefaultWithPVCsFiles() throws {
        let config = try NodeConfiguration.parse(yaml: Self.base, file: "f", hostname: "hv1").configuration
        #expect(!config.subsystem.enableStorage)
        #expect(config.storage.configFile == "/etc/ceph/ceph.conf")
        #expect(config.storage.keyringFile == "/etc/ceph/ceph.client.admin.keyring")
        #expect(config.storage.clientID == "admin")
        #expect(config.storage.clientAddress == nil)
        #expect(config.storage.blocklistOnFence)
        #expect(config.storage.blocklistExpiry == .seconds(3600))
        #expect(config.storage.connectTimeout == .seconds(5))
        #expect(config.storage.operationTimeout == .seconds(5))
    }

    @Test func everyStorageSettingCanBeChanged() throws {
        let yaml = Self.base + """
            path: {ceph_directory: /srv/ceph/}
            subsystem: {enable_storage: true}
            ceph: {ceph_config_file: lab.conf, ceph_keyring_file: /keys/lab.keyring, monitor_port: 3300,
                   secret_uuid: 0e1f, monitor_hosts: [m1, m2]}
            storage: {client_id: pvc, client_address: 10.0.2.7, blocklist_on_fence: false, blocklist_expiry: 600,
                      connect_timeout: 2, operation_timeout: 1.5}
            """
        let loaded = try NodeConfiguration.parse(yaml: yaml, file: "f", hostname: "hv1")
        #expect(loaded.warningsBesidesClusterDomain == [])
        let config = loaded.configuration
        #expect(config.subsystem.enableStorage)
        #expect(config.storage.configFile == "/srv/ceph/lab.conf")
        #expect(config.storage.keyringFile == "/keys/lab.keyring")
        #expect(config.storage.monitorPort == 3300)
        #expect(config.storage.monitorHosts == ["m1", "m2"])
        #expect(config.storage.clientID == "pvc")
        #expect(config.storage.clientAddress == "10.0.2.7")
        #expect(!config.storage.blocklistOnFence)
        #expect(config.storage.blocklistExpiry == .seconds(600))
        #expect(config.storage.connectTimeout == .seconds(2))
        #expect(config.storage.operationTimeout == .milliseconds(1500))
    }

    /// PVC's storage network names a fixed node address: that is the node's Ceph client address.
    @Test func theClientAddressDefaultsToTheStorageNetworksFixedNodeAddress() throws {
        let yaml = """
            cluster:
              name: lab
              coordinator_nodes: [hv1]
              networks:
                storage: {device: ens4, ipv4: {floating_address: 10.0.3.254, netmask: 24, node_ip_selection: 10.0.3.1}}

            """
        let config = try NodeConfiguration.parse(yaml: yaml, file: "f", hostname: "hv1").configuration
        #expect(config.storage.clientAddress == "10.0.3.1")
    }

    @Test(arguments: [
        ("storage: {client_address: not-an-address}", "storage.client_address"),
        ("storage: {operation_timeout: 0}", "storage.operation_timeout"),
        ("storage: {blocklist_on_fence: maybe}", "storage.blocklist_on_fence"),
        ("ceph: {monitor_port: 70000}", "ceph.monitor_port"),
        ("subsystem: {enable_storage: sometimes}", "subsystem.enable_storage"),
    ])
    func badStorageValuesNameTheirKey(line: String, key: String) {
        #expect {
            _ = try NodeConfiguration.parse(yaml: Self.base + line + "\n", file: "f", hostname: "hv1")
        } throws: { error in
            (error as? ConfigurationError)?.key == key
        }
    }
}
