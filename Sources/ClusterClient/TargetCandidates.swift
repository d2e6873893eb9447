import NodeCore

extension ClusterClient {
    /// Every node under `/nodes` with the keys target selection reads (§7.4), read concurrently.
    func candidateNodes() async throws -> [CandidateNode] {
        let names = try await KeyReads.items(try path("base.node"), in: store)
        let keys = ["node.state.daemon", "node.state.domain", "node.memory.free", "node.memory.used",
                    "node.memory.provisioned", "node.cpu.load", "node.vcpu.allocated",
                    "node.count.provisioned_domains"]
        var paths: [String: [String: String]] = [:]
        for name in names {
            var nodePaths: [String: String] = [:]
            for key in keys { nodePaths[key] = try path(key, name) }
            paths[name] = nodePaths
        }
        let values = try await KeyReads.texts(paths.values.flatMap(\.values), in: store)
        return names.map { name in
            func value(_ key: String) -> String? { paths[name]?[key].flatMap { values[$0] } }
            return CandidateNode(name: name, daemonStateText: value("node.state.daemon"),
                                 domainStateText: value("node.state.domain"),
                                 memFreeText: value("node.memory.free"), memUsedText: value("node.memory.used"),
                                 memProvisionedText: value("node.memory.provisioned"),
                                 cpuLoadText: value("node.cpu.load"),
                                 vcpuAllocatedText: value("node.vcpu.allocated"),
                                 runningVMsText: value("node.count.provisioned_domains"))
        }
    }

    /// PVC's `findTargetNode` through `TargetSelection` (ties by name, fallbacks with warnings).
    /// `vmSelector`/`nodeLimit` are the VM's keys (nil: missing); `currentNode` is never chosen.
    func chooseTarget(vm: String, currentNode: String, nodeLimit: String?,
                      vmSelector: String?) async throws -> TargetChoice {
        let clusterSelector = try await KeyReads.text(try path("base.config.migration_target_selector"), in: store)
        return TargetSelection.choose(vm: vm, currentNode: currentNode, nodeLimit: nodeLimit,
                                      vmSelector: vmSelector, clusterSelector: clusterSelector,
                                      candidates: try await candidateNodes())
    }
}
