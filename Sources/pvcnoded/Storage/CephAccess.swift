import CephStorage
import Logging
import NodeConfiguration
import StorageReports

/// This node's one Ceph client, opened on first use rather than at startup: a node whose VMs have
/// no RBD volumes, or a Ceph that is down while the daemon starts, must not hold the daemon up.
/// A failed connect is not remembered; the next caller tries again (each try is bounded by
/// `storage.connect_timeout`).
actor CephAccess {
    let settings: StorageSettings
    private let logger: Logger
    private var connection: CephConnection?
    private var connecting: Task<Result<CephConnection, CephError>, Never>?

    init(settings: StorageSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    var clientSettings: CephClientSettings {
        CephClientSettings(configFile: settings.configFile, keyringFile: settings.keyringFile,
                           clientName: "client.\(settings.clientID)", mountTimeout: settings.connectTimeout,
                           monitorTimeout: settings.operationTimeout, osdTimeout: settings.operationTimeout)
    }

    /// The open connection, connecting if there is none; concurrent callers share one attempt.
    func open() async throws(CephError) -> CephConnection {
        if let connection { return connection }
        let attempt: Task<Result<CephConnection, CephError>, Never>
        if let connecting {
            attempt = connecting
        } else {
            let settings = clientSettings
            attempt = Task {
                do throws(CephError) {
                    return .success(try await CephConnection.connect(settings))
                } catch {
                    return .failure(error)
                }
            }
            connecting = attempt
        }
        let result = await attempt.value
        if connecting == attempt { connecting = nil }
        switch result {
        case .success(let opened):
            if connection == nil {
                connection = opened
                logger.info("connected to Ceph", metadata: ["config": "\(settings.configFile)"])
            }
            return connection ?? opened
        case .failure(let error):
            logger.warning("cannot connect to Ceph", metadata: ["config": "\(settings.configFile)", "error": "\(error)"])
            throw error
        }
    }

    func close() async {
        let open = connection
        connection = nil
        await open?.close()
    }
}

/// The primary's statistics read through the same client.
extension CephAccess: StorageStatsSource {
    nonisolated func monitorCommand(_ json: String, timeout: Duration) async throws -> String {
        try await open().monitorCommand(json, timeout: timeout).text
    }

    nonisolated func poolNames() async throws -> [String] {
        try await open().poolNames()
    }

    nonisolated func poolFigures(_ pool: String) async throws -> PoolFigures {
        let stats = try await open().poolStats(pool)
        return PoolFigures(numBytes: stats.numBytes, numKB: stats.numKB, numObjects: stats.numObjects,
                           numObjectClones: stats.numObjectClones, numObjectCopies: stats.numObjectCopies,
                           numObjectsMissingOnPrimary: stats.numObjectsMissingOnPrimary,
                           numObjectsUnfound: stats.numObjectsUnfound, numObjectsDegraded: stats.numObjectsDegraded,
                           numRd: stats.numRead, numRdKB: stats.numReadKB, numWr: stats.numWrite,
                           numWrKB: stats.numWriteKB)
    }
}
