import ClusterSchema
import Coordination
import NodeCore

/// Every node under `/nodes` with the keys target selection reads (pvc-node-daemon.md §7.4),
/// and the cluster's default selector, read concurrently and fresh for each choice: the daemon's
/// flush and the client's migrate read them alike.
public struct CandidateReader: Sendable {
    public var store: any CoordinationStore
    public var schema: SchemaVersion

    public init(store: any CoordinationStore, schema: SchemaVersion) {
        self.store = store
        self.schema = schema
    }

    static let keys = ["node.state.daemon", "node.state.domain", "node.memory.free", "node.memory.used",
                       "node.memory.provisioned", "node.cpu.load", "node.vcpu.allocated",
                       "node.count.provisioned_domains"]

    /// The nodes, and `/config/migration_target_selector` (nil: missing).
    public func read() async throws -> (candidates: [CandidateNode], clusterSelector: String?) {
        let names = try await store.items(try schema.path("base.node"))
        let selectorPath = try schema.path("base.config.migration_target_selector")
        var paths: [String] = [selectorPath]
        for name in names {
            for key in Self.keys { paths.append(try schema.path(key, item: name)) }
        }
        let values = try await store.texts(paths)
        let candidates = try names.map { name in
            func value(_ key: String) throws -> String? { values[try schema.path(key, item: name)] }
            return CandidateNode(
                name: name, daemonStateText: try value("node.state.daemon"), domainStateText: try value("node.state.domain"),
                memFreeText: try value("node.memory.free"), memUsedText: try value("node.memory.used"),
                memProvisionedText: try value("node.memory.provisioned"), cpuLoadText: try value("node.cpu.load"),
                vcpuAllocatedText: try value("node.vcpu.allocated"),
                runningVMsText: try value("node.count.provisioned_domains"))
        }
        return (candidates, values[selectorPath])
    }
}
