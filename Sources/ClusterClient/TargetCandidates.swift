import ClusterReads
import NodeCore

extension ClusterClient {
    /// PVC's `findTargetNode` through `TargetSelection` (ties by name, fallbacks with warnings).
    /// `vmSelector`/`nodeLimit` are the VM's keys (nil: missing); `currentNode` is never chosen.
    func chooseTarget(vm: String, currentNode: String, nodeLimit: String?,
                      vmSelector: String?) async throws -> TargetChoice {
        let read = try await CandidateReader(store: store, schema: schema).read()
        return TargetSelection.choose(vm: vm, currentNode: currentNode, nodeLimit: nodeLimit,
                                      vmSelector: vmSelector, clusterSelector: read.clusterSelector,
                                      candidates: read.candidates)
    }
}
