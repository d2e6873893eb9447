import Hypervisor
import Logging
import NodeConfiguration
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@main
enum PVCNoded {
    /// Exit code for a configuration or command line that cannot be used, distinct from a runtime
    /// failure (1) so scripts and systemd can tell an operator's typo from a cluster problem.
    static let configurationExitCode: Int32 = 2

    static let libraryLogLabel = LogSetup.libraryLogLabel

    static func main() async {
        // A re-executed image inherits the blocked signals of the thread that called execv; start
        // as a fresh daemon does, with none blocked, so SIGTERM reaches the shutdown handler.
        var none = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, nil)
        let action: CommandLineOptions.Action
        do {
            action = try CommandLineOptions.parse(Array(CommandLine.arguments.dropFirst()))
        } catch {
            ProcessEnvironment.writeStandardError("pvcnoded: \(error)\n\(CommandLineOptions.usage)")
            exit(configurationExitCode)
        }
        switch action {
        case .help:
            print(CommandLineOptions.usage)
        case .version:
            print("pvcnoded \(DaemonSettings.pvcVersion)")
        case .run(let configPath):
            exit(await run(configPath: configPath))
        }
    }

    static func run(configPath: String?) async -> Int32 {
        let loaded: LoadedConfiguration
        do {
            loaded = try ConfigurationLoader.load(explicitPath: configPath)
        } catch {
            ProcessEnvironment.writeStandardError("pvcnoded: configuration error: \(error)")
            return configurationExitCode
        }
        for warning in loaded.warnings {
            ProcessEnvironment.writeStandardError("pvcnoded: warning: \(warning)")
        }
        let settings = DaemonSettings(loaded.configuration)
        let nodeLog = settings.zookeeperLogging ? NodeLogTail(capacity: settings.nodeLogLines) : nil
        let logSetup = LogSetup(loaded.configuration.logging, logFilePath: loaded.configuration.logFilePath,
                                nodeLog: nodeLog)
        logSetup.bootstrap()
        var logger = Logger(label: "pvcnoded")
        logger[metadataKey: "node"] = "\(settings.name)"
        let hangup = logSetup.handleHangup(logger: logger)
        defer { hangup.cancel() }
        logger.info("starting", metadata: ["pid": "\(getpid())", "reexecutions": "\(Reexecution.count)",
                                           "config": "\(loaded.file)", "zookeeper": "\(settings.zookeeper.hosts)",
                                           "chroot": "\(settings.zookeeper.chroot ?? "/")",
                                           "floating": "\(settings.floatingAddresses.sorted { $0.key < $1.key }.map { "\($0.key.rawValue)=\($0.value)" }.joined(separator: " "))"])
        var zookeeper = settings
        zookeeper.zookeeper.logger = logger
        let metrics = NodeMetrics()
        var daemon = NodeDaemon(settings: zookeeper, logger: logger, metrics: metrics, nodeLog: nodeLog)
        daemon.systemd = SystemdNotifySocket.fromEnvironment()
        if let systemd = daemon.systemd {
            logger.info("reporting readiness to systemd", metadata: ["socket": "\(systemd.address)"])
        }
        if let vm = settings.vm {
            let hypervisor = LibvirtHypervisor(uri: vm.libvirtURI, timeouts: vm.callTimeouts, logger: logger)
            do {
                try await hypervisor.connect()
                logger.info("connected to libvirt", metadata: ["uri": "\(vm.libvirtURI)"])
            } catch {
                // Not fatal: each call reconnects, and the node still keeps its keepalive.
                logger.error("cannot connect to libvirt yet; VM actions will retry", metadata: [
                    "uri": "\(vm.libvirtURI)", "error": "\(error)"])
            }
            daemon.hypervisor = hypervisor
        }
        if let storage = settings.storage {
            var cephLogger = logger
            cephLogger[metadataKey: "subsystem"] = "storage"
            daemon.ceph = CephAccess(settings: storage, logger: cephLogger)
            if storage.clientAddress == nil {
                cephLogger.warning("""
                    storage.client_address is unset: a lock this node left by a crash cannot be told from another \
                    node's, so such a VM needs `pvcctl vm flush-locks` before it starts
                    """)
            }
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let address = settings.metricsAddress {
            // First in the group, so shut down last: a scrape during shutdown still sees the states.
            // A bind failure ends only this service; the daemon runs on without metrics.
            services.append(.init(service: MetricsService(address: address, metrics: metrics, logger: logger),
                                  successTerminationBehavior: .ignore))
        }
        services.append(.init(service: daemon, successTerminationBehavior: .gracefullyShutdownGroup))
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        do {
            try await group.run()
        } catch {
            logger.critical("fatal", metadata: ["error": "\(error)"])
            return 1
        }
        return 0
    }
}
