extension NodeConfiguration {
    /// Parses and checks a whole configuration. `file` only labels errors and warnings; `hostname` is the node-name
    /// default, injectable so tests do not depend on the machine they run on.
    public static func parse(
        yaml: String, file: String, hostname: String = Hostname.short()
    ) throws(ConfigurationError) -> LoadedConfiguration {
        try parse(yaml: yaml, file: file, hostname: hostname, collector: WarningCollector(file: file))
    }

    static func parse(
        yaml: String, file: String, hostname: String, collector warnings: WarningCollector
    ) throws(ConfigurationError) -> LoadedConfiguration {
        let root: YAMLNode?
        do {
            root = try YAMLReader.read(yaml)
        } catch {
            throw ConfigurationError(kind: .malformed, file: file, key: nil, problem: "not valid YAML: \(error)")
        }
        let top = try YAMLSection(node: root, path: "", warnings: warnings)
        let configuration = try read(top, hostname: hostname)
        return LoadedConfiguration(configuration: configuration, warnings: warnings.warnings, file: file)
    }

    private static func read(_ top: YAMLSection, hostname: String) throws(ConfigurationError) -> NodeConfiguration {
        let nodeSection = try top.section("node")
        let node = NodeSettings(
            name: try nodeSection.string("name") ?? hostname,
            libvirtURI: try nodeSection.string("libvirt_uri") ?? NodeSettings.defaultLibvirtURI)
        nodeSection.finish()

        let clusterSection = try top.section("cluster")
        let cluster = ClusterSettings(
            name: try clusterSection.requiredString("name", "the cluster's name"),
            coordinatorNodes: try coordinators(clusterSection),
            allNodes: try clusterSection.stringList("all_nodes") ?? [])
        let networks = try readNetworks(clusterSection)
        clusterSection.finish()

        let database = try top.section("database")
        let zookeeperSection = try database.section("zookeeper")
        var zookeeper = ZooKeeperSettings()
        if let port = try zookeeperSection.integer("port", minimum: 1, "a TCP port number (1-65535)") {
            guard port <= 65535 else {
                throw ConfigurationError(
                    kind: .invalid, file: top.file, key: zookeeperSection.dotted("port"),
                    problem: "expected a TCP port number (1-65535), got \"\(port)\"")
            }
            zookeeper.port = port
        }
        zookeeper.connect = try zookeeperSection.string("connect")
        zookeeperSection.finish()
        database.finish()

        let pathSection = try top.section("path")
        var paths = PathSettings()
        paths.dynamicDirectory = try pathSection.string("dynamic_directory") ?? paths.dynamicDirectory
        paths.systemLogDirectory = try pathSection.string("system_log_directory") ?? paths.systemLogDirectory
        paths.consoleLogDirectory = try pathSection.string("console_log_directory") ?? paths.consoleLogDirectory
        let cephDirectory = try pathSection.string("ceph_directory")
        pathSection.finish()

        let timerSection = try top.section("timer")
        let defaults = TimerSettings()
        let timer = TimerSettings(
            keepaliveInterval: try timerSection.seconds("keepalive_interval", default: defaults.keepaliveInterval),
            vmShutdownTimeout: try timerSection.seconds("vm_shutdown_timeout", default: defaults.vmShutdownTimeout),
            monitoringInterval: try timerSection.seconds("monitoring_interval", default: defaults.monitoringInterval))
        timerSection.finish()

        let fencingSection = try top.section("fencing")
        let fencing = try readFencing(fencingSection)
        try checkSelfFence(fencing, keepaliveInterval: timer.keepaliveInterval, fencingSection)

        let migration = try readMigration(try top.section("migration"))

        let subsystemSection = try top.section("subsystem")
        let subsystem = SubsystemSettings(
            enableHypervisor: try subsystemSection.bool("enable_hypervisor", default: SubsystemSettings().enableHypervisor),
            enableStorage: try subsystemSection.bool("enable_storage", default: SubsystemSettings().enableStorage))
        subsystemSection.finish()
        let storage = try readStorage(cephDirectory: cephDirectory, ceph: try top.section("ceph"),
                                      storage: try top.section("storage"), networks: networks)

        let logging = try readLogging(try top.section("logging"))
        let guestNetworking = try readGuestNetworking(try top.section("guest_networking"))

        let metricsSection = try top.section("metrics")
        var metrics = MetricsSettings()
        if let node = metricsSection.value("listen_address") {
            let key = metricsSection.dotted("listen_address")
            let text = try metricsSection.string(at: key, node)
            guard let address = ListenAddress(parsing: text) else {
                throw metricsSection.invalid(key, "host:port (e.g. 127.0.0.1:9101)", node)
            }
            metrics.listenAddress = address
        }
        metricsSection.finish()

        top.finish()
        let configuration = NodeConfiguration(
            node: node, cluster: cluster, zookeeper: zookeeper, paths: paths, timer: timer, fencing: fencing,
            migration: migration, logging: logging, guestNetworking: guestNetworking, metrics: metrics,
            networks: networks, subsystem: subsystem, storage: storage)
        checkClusterDomain(configuration, top.warnings)
        return configuration
    }

    private static func coordinators(_ section: YAMLSection) throws(ConfigurationError) -> [String] {
        guard let names = try section.stringList("coordinator_nodes") else {
            throw section.missing("coordinator_nodes", "the list of coordinator node names")
        }
        guard !names.isEmpty else {
            throw ConfigurationError(
                kind: .invalid, file: section.file, key: section.dotted("coordinator_nodes"),
                problem: "expected at least one coordinator node name, got an empty list")
        }
        return names
    }

    private static func readFencing(_ section: YAMLSection) throws(ConfigurationError) -> FencingSettings {
        var fencing = FencingSettings()
        fencing.disableOnIPMIFailure = try section.bool("disable_on_ipmi_failure", default: fencing.disableOnIPMIFailure)

        let intervals = try section.section("intervals")
        fencing.fenceIntervals = try intervals.integer(
            "fence_intervals", minimum: 0, "a whole number of keepalive intervals (0 or more)") ?? fencing.fenceIntervals
        // PVC's code reads `suicide_interval`, its sample writes `suicide_intervals` (reference §15 q2).
        if let (key, node) = try intervals.value("suicide_interval", alias: "suicide_intervals") {
            fencing.suicideIntervals = try intervals.integer(
                at: key, node, minimum: 0, "a whole number of keepalive intervals (0 or more)")
        }
        fencing.savingThrows = try intervals.integer(
            "saving_throws", minimum: 0, "a whole number of keepalive intervals (0 or more)") ?? fencing.savingThrows
        intervals.finish()

        let actions = try section.section("actions")
        fencing.successfulFence = try actions.choice("successful_fence", default: fencing.successfulFence)
        fencing.failedFence = try actions.choice("failed_fence", default: fencing.failedFence)
        actions.finish()

        let ipmi = try section.section("ipmi")
        fencing.ipmi = IPMISettings(
            hostname: try ipmi.string("hostname"),
            username: try ipmi.string("username"),
            password: try ipmi.string("password"))
        fencing.ipmi.cipherSuite = try ipmi.integer(
            "cipher_suite", minimum: 0, "an IPMI cipher suite number (e.g. 3 or 17)") ?? fencing.ipmi.cipherSuite
        if let checkInterval = try ipmi.integer("check_interval", minimum: 0, "a whole number of seconds (0 = only at startup)") {
            fencing.ipmi.checkInterval = .seconds(checkInterval)
        }
        ipmi.finish()

        section.finish()
        return fencing
    }

    /// A self-fence that comes no earlier than the dead threshold protects nothing: the peers may
    /// already be starting the node's VMs elsewhere when it destroys its own.
    private static func checkSelfFence(_ fencing: FencingSettings, keepaliveInterval: Duration,
                                       _ section: YAMLSection) throws(ConfigurationError) {
        guard fencing.suicideIntervals > 0, fencing.fenceIntervals > 0,
              fencing.suicideIntervals >= fencing.fenceIntervals else { return }
        throw ConfigurationError(
            kind: .invalid, file: section.file, key: section.dotted("intervals.suicide_interval"),
            problem: "a self-fence after \(fencing.suicideIntervals) keepalive intervals is not before the dead threshold of "
                + "\(fencing.fenceIntervals) intervals (\(keepaliveInterval * fencing.fenceIntervals)): peers could start "
                + "this node's VMs before it destroys them; use fewer than \(fencing.fenceIntervals)")
    }

    private static func readLogging(_ section: YAMLSection) throws(ConfigurationError) -> LoggingSettings {
        var logging = LoggingSettings()
        logging.debugLogging = try section.bool("debug_logging", default: logging.debugLogging)
        logging.fileLogging = try section.bool("file_logging", default: logging.fileLogging)
        logging.stdoutLogging = try section.bool("stdout_logging", default: logging.stdoutLogging)
        logging.zookeeperLogging = try section.bool("zookeeper_logging", default: logging.zookeeperLogging)
        logging.logColours = try section.bool("log_colours", default: logging.logColours)
        logging.logDates = try section.bool("log_dates", default: logging.logDates)
        logging.logKeepalives = try section.bool("log_keepalives", default: logging.logKeepalives)
        logging.logClusterDetails = try section.bool("log_cluster_details", default: logging.logClusterDetails)
        logging.logMonitoringDetails = try section.bool("log_monitoring_details", default: logging.logMonitoringDetails)
        let lines = "a whole number of lines (0 or more)"
        logging.consoleLogLines = try section.integer("console_log_lines", minimum: 0, lines) ?? logging.consoleLogLines
        logging.nodeLogLines = try section.integer("node_log_lines", minimum: 0, lines) ?? logging.nodeLogLines
        section.finish()
        return logging
    }

    private static func readGuestNetworking(_ section: YAMLSection) throws(ConfigurationError) -> GuestNetworkingSettings {
        var settings = GuestNetworkingSettings()
        settings.bridgeDevice = try section.string("bridge_device")
        settings.bridgeMTU = try section.integer("bridge_mtu", minimum: 68, "an MTU in bytes (68 or more)")
        settings.sriovEnable = try section.bool("sriov_enable", default: settings.sriovEnable)
        if let node = section.value("sriov_device") {
            let key = section.dotted("sriov_device")
            guard let items = node.sequence else { throw section.mistyped(key, "a list of devices", node) }
            for (index, item) in items.enumerated() {
                let device = try YAMLSection(node: item, path: "\(key)[\(index)]", warnings: section.warnings)
                settings.sriovDevices.append(try readSRIOVDevice(device))
            }
        }
        section.finish()
        return settings
    }

    private static func readSRIOVDevice(_ device: YAMLSection) throws(ConfigurationError) -> SRIOVDevice {
        // PVC's code reads `phy`, its current sample writes `device` (reference §15 q2).
        guard let (key, node) = try device.value("phy", alias: "device") else {
            throw device.missing("phy", "the physical device name; `device` is accepted too")
        }
        let phy = try device.string(at: key, node)
        let mtu = try device.integer("mtu", minimum: 68, "an MTU in bytes (68 or more)")
        guard let vfCount = try device.integer("vfcount", minimum: 1, "a number of virtual functions (1 or more)") else {
            throw device.missing("vfcount", "the number of virtual functions to create")
        }
        device.finish()
        return SRIOVDevice(phy: phy, mtu: mtu, vfCount: vfCount)
    }
}
