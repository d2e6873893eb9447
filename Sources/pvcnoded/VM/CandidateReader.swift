import ClusterSchema
import Coordination
import NodeCore

/// Every node under `/nodes` with the keys target selection reads (pvc-node-daemon.md §7.4),
/// and the cluster's default selector, read concurrently and fresh for each choice.
struct CandidateReader: Sendable {
    var store: any CoordinationStore
    var schema: SchemaVersion

    static let keys = ["node.state.daemon", "node.state.domain", "node.memory.free", "node.memory.used",
                       "node.memory.provisioned", "node.cpu.load", "node.vcpu.allocated",
                       "node.count.provisioned_domains"]

    func read() async throws -> (candidates: [CandidateNode], clusterSelector: String?) {
        let names = try await store.children(try schema.path("base.node"))
        let selectorPath = try schema.path("base.config.migration_target_selector")
        var paths: [String] = [selectorPath]
        for name in names {
            for key in Self.keys { paths.append(try schema.path(key, item: name)) }
        }
        let values = await withTaskGroup(of: (String, String?).self) { group in
            for path in paths {
                group.addTask {
                    let data = try? await store.get(path).data
                    return (path, data.map { String(decoding: $0, as: UTF8.self) })
                }
            }
            var values: [String: String] = [:]
            for await (path, value) in group { values[path] = value }
            return values
        }
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
