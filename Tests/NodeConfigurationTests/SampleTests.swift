import Testing
import Yams
@testable import NodeConfiguration

@Suite struct SampleTests {
    /// The sample's networks are unset (they are examples), so it has no cluster domain for the default migration
    /// templates; that warning, and no unknown key, is what it must produce.
    @Test func sampleParsesWithOnlyTheClusterDomainWarning() throws {
        let loaded = try NodeConfiguration.parse(yaml: try sampleText(), file: "pvcnoded.yaml.sample", hostname: "hv2")
        #expect(loaded.warningsBesidesClusterDomain == [])
        #expect(loaded.warnings.map(\.key) == [clusterDomainKey])
    }

    /// The sample promises its values are the defaults except the example cluster; holding it to the code's
    /// defaults keeps the documentation from drifting.
    @Test func sampleEqualsTheDefaults() throws {
        let loaded = try NodeConfiguration.parse(yaml: try sampleText(), file: "pvcnoded.yaml.sample", hostname: "hv2")
        let expected = NodeConfiguration(
            node: NodeSettings(name: "hv2"),
            cluster: ClusterSettings(name: "cluster1", coordinatorNodes: ["hv1", "hv2", "hv3"]))
        #expect(loaded.configuration == expected)
    }

    /// Spot-checks the default values themselves, so a default changed in code without the sample also fails here.
    @Test func defaultsAreTheDocumentedValues() throws {
        let config = try NodeConfiguration.parse(yaml: minimalYAML, file: "pvcnoded.yaml", hostname: "hv9").configuration
        #expect(config.node.name == "hv9")
        #expect(config.node.libvirtURI == "qemu:///system")
        #expect(config.zookeeper.port == 2181)
        #expect(config.zookeeperConnectString == "hv1:2181,hv2:2181,hv3:2181")
        #expect(config.timer.keepaliveInterval == .seconds(5))
        #expect(config.timer.vmShutdownTimeout == .seconds(180))
        #expect(config.timer.monitoringInterval == .seconds(15))
        #expect(config.fencing.fenceIntervals == 6)
        #expect(config.fencing.suicideIntervals == 0)
        #expect(config.fencing.successfulFence == .none)
        #expect(config.fencing.failedFence == .none)
        #expect(config.fencing.ipmi == IPMISettings())
        #expect(config.migration.targetSelector == .mem)
        #expect(config.migration.maxParallel == 4)
        #expect(config.migration.maxRetries == 3)
        #expect(config.migration.liveAttempts == 3)
        #expect(config.migration.destinationURI == "qemu+tcp://{node}.{cluster_domain}/system")
        #expect(config.migration.migrationURI == "tcp://{node}.{cluster_domain}")
        #expect(config.migration.peers == [:])
        #expect(config.subsystem.enableHypervisor)
        #expect(config.clusterDomain == nil)
        #expect(config.logging.stdoutLogging)
        #expect(!config.logging.fileLogging)
        #expect(config.logging.consoleLogLines == 1000)
        #expect(config.logging.nodeLogLines == 2000)
        #expect(config.paths == PathSettings(
            dynamicDirectory: "/run/pvc", systemLogDirectory: "/var/log/pvc", consoleLogDirectory: "/var/log/libvirt"))
        #expect(config.metrics.listenAddress == nil)
        #expect(config.guestNetworking.sriovDevices == [])
    }

    @Test func everySettingCanBeChanged() throws {
        let yaml = """
            node: {name: lab-node-2, libvirt_uri: "test:///default"}
            cluster: {name: lab, coordinator_nodes: [lab-node-1], all_nodes: [lab-node-1, lab-node-2]}
            database: {zookeeper: {port: 2281, connect: "127.0.0.1:2181"}}
            path: {dynamic_directory: /tmp/n2/run, system_log_directory: /tmp/n2/log, console_log_directory: /tmp/n2/con}
            timer: {keepalive_interval: 0.5, vm_shutdown_timeout: 30, monitoring_interval: 60}
            fencing:
              disable_on_ipmi_failure: yes
              intervals: {fence_intervals: 0, suicide_interval: 3}
              actions: {successful_fence: migrate, failed_fence: None}
              ipmi: {hostname: "bmc{node_id}.lab", username: admin, password: secret}
            migration:
              target_selector: vcpus
              max_parallel: 2
              max_retries: 5
              live_attempts: 1
              destination_uri: "qemu+ssh://root@{node}.{cluster_domain}/system"
              migration_uri: "tcp://{node}-mig.{cluster_domain}:49152"
              peers: {lab-node-1: {destination_uri: "qemu+tcp://127.0.0.1:16510/system"}}
            subsystem: {enable_hypervisor: false}
            logging: {debug_logging: true, file_logging: true, stdout_logging: false, console_log_lines: 0}
            guest_networking: {bridge_device: br0, bridge_mtu: 9000, sriov_enable: true,
                               sriov_device: [{phy: ens1f0, mtu: 9000, vfcount: 7}]}
            metrics: {listen_address: "[::1]:9101"}
            """
        let config = try NodeConfiguration.parse(yaml: yaml, file: "f", hostname: "ignored").configuration
        #expect(config.node == NodeSettings(name: "lab-node-2", libvirtURI: "test:///default"))
        #expect(config.cluster.allNodes == ["lab-node-1", "lab-node-2"])
        #expect(config.zookeeperConnectString == "127.0.0.1:2181")
        #expect(config.zookeeper.port == 2281)
        #expect(config.paths.systemLogDirectory == "/tmp/n2/log")
        #expect(config.logFilePath == "/tmp/n2/log/pvcnoded.log")
        #expect(config.timer.keepaliveInterval == .milliseconds(500))
        #expect(config.fencing.fenceIntervals == 0)
        #expect(!config.fencing.isEnabled)
        #expect(config.fencing.disableOnIPMIFailure)
        #expect(config.fencing.suicideIntervals == 3)
        #expect(config.fencing.successfulFence == .migrate)
        #expect(config.fencing.failedFence == .none)
        #expect(config.ipmiHostname == "bmc2.lab")
        #expect(config.fencing.ipmi.password == "secret")
        #expect(config.migration == MigrationSettings(
            targetSelector: .vcpus, maxParallel: 2, maxRetries: 5, liveAttempts: 1,
            destinationURI: "qemu+ssh://root@{node}.{cluster_domain}/system",
            migrationURI: "tcp://{node}-mig.{cluster_domain}:49152",
            peers: ["lab-node-1": MigrationPeer(destinationURI: "qemu+tcp://127.0.0.1:16510/system")]))
        #expect(!config.subsystem.enableHypervisor)
        #expect(config.logging.debugLogging && config.logging.fileLogging && !config.logging.stdoutLogging)
        #expect(config.logging.consoleLogLines == 0)
        #expect(config.guestNetworking == GuestNetworkingSettings(
            bridgeDevice: "br0", bridgeMTU: 9000, sriovEnable: true,
            sriovDevices: [SRIOVDevice(phy: "ens1f0", mtu: 9000, vfCount: 7)]))
        #expect(config.metrics.listenAddress == ListenAddress(host: "::1", port: 9101))
    }
}

@Suite struct SampleCompletenessTests {
    /// Every key the parser reads must appear in the sample, or the sample is not the complete reference it claims to
    /// be. The alias spelling is documented in a comment instead, because writing both would be redundant.
    @Test func sampleContainsEveryKeyTheParserReads() throws {
        let text = try sampleText()
        let collector = WarningCollector(file: "sample")
        _ = try NodeConfiguration.parse(yaml: text, file: "sample", hostname: "hv1", collector: collector)
        let present = try keys(in: try #require(try Yams.compose(yaml: text)))
        let undocumented = collector.consulted.subtracting(present).subtracting(["fencing.intervals.suicide_intervals"])
        #expect(undocumented == [])
        #expect(collector.consulted.count > 40)
    }

    private func keys(in node: Node, prefix: String = "") throws -> Set<String> {
        guard let mapping = node.mapping else { return [] }
        var result: Set<String> = []
        for (key, value) in mapping {
            let name = try #require(key.string)
            let dotted = prefix.isEmpty ? name : "\(prefix).\(name)"
            result.insert(dotted)
            result.formUnion(try keys(in: value, prefix: dotted))
        }
        return result
    }
}
