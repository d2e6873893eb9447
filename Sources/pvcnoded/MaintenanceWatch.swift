import Coordination
import Logging
import NodeCore
import Synchronization

/// Watches `/config/maintenance` for the node's cores: every change is logged once with what it
/// means, garbage with its value, and the current reading is available at any time.
final class MaintenanceWatch: Sendable {
    private let current = Mutex<MaintenanceMode>(.off)

    var mode: MaintenanceMode { current.withLock { $0 } }
    var isOn: Bool { mode.isOn }

    /// Runs until cancelled.
    func run(store: any CoordinationStore, path: String, logger: Logger, metrics: NodeMetrics) async {
        for await value in store.watchData(path) {
            // A missing key (a tree older than the key) reads as off, like PVC.
            let mode = value.map { MaintenanceMode(parsing: String(decoding: $0.data, as: UTF8.self)) } ?? .off
            let previous = current.withLock { state in
                defer { state = mode }
                return state
            }
            metrics.maintenance(mode.isOn)
            guard mode != previous else { continue }
            switch mode {
            case .on: logger.notice("cluster maintenance on: no node will be fenced")
            case .off: logger.notice("cluster maintenance off")
            case .unrecognised(let text):
                logger.warning("cluster maintenance key holds neither true nor false; read as off",
                               metadata: ["path": "\(path)", "value": "\(text)"])
            }
        }
    }
}
