import ArgumentParser
import Foundation
import Logging
import NodeConfiguration
import ServiceLifecycle

@main
struct PVCNoded: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pvcnoded",
        abstract: "The PVC node daemon: registers this node in ZooKeeper and keeps it alive.")

    @Option(name: .long, help: "The configuration file (default: $PVC_CONFIG_FILE).")
    var config: String?

    /// Exit code for a configuration that cannot be used, distinct from a runtime failure (1) so
    /// scripts and systemd can tell an operator's typo from a cluster problem.
    static let configurationExitCode: Int32 = 2

    static let libraryLogLabel = LogSetup.libraryLogLabel

    func run() async throws {
        let loaded: LoadedConfiguration
        do {
            loaded = try ConfigurationLoader.load(explicitPath: config)
        } catch {
            FileHandle.standardError.write(Data("pvcnoded: configuration error: \(error)\n".utf8))
            throw ExitCode(Self.configurationExitCode)
        }
        for warning in loaded.warnings {
            FileHandle.standardError.write(Data("pvcnoded: warning: \(warning)\n".utf8))
        }
        let settings = DaemonSettings(loaded.configuration)
        let logSetup = LogSetup(loaded.configuration.logging, logFilePath: loaded.configuration.logFilePath)
        logSetup.bootstrap()
        var logger = Logger(label: "pvcnoded")
        logger[metadataKey: "node"] = "\(settings.name)"
        let hangup = logSetup.handleHangup(logger: logger)
        defer { hangup.cancel() }
        logger.info("starting", metadata: ["pid": "\(getpid())", "reexecutions": "\(Reexecution.count)",
                                           "config": "\(loaded.file)", "zookeeper": "\(settings.zookeeper.hosts)",
                                           "chroot": "\(settings.zookeeper.chroot ?? "/")"])
        var zookeeper = settings
        zookeeper.zookeeper.logger = logger
        let metrics = NodeMetrics()
        let daemon = NodeDaemon(settings: zookeeper, logger: logger, metrics: metrics)
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
            throw ExitCode.failure
        }
    }
}
