/// What `flush` or `ready` did to a node's `domainstate`.
public struct NodeDomainStateResult: Sendable, Equatable {
    public let node: String
    /// The value written; nil when the node already was where asked (`flushed`, `ready`).
    public let written: KeyValue?
    /// PVC's message ("Removing node hv1 from active service.").
    public let message: String
    /// With `wait`: the value the node ended in (always the one asked for: any other end throws).
    public let finalState: String?
    public let waited: Bool
}

extension ClusterClient {
    /// `flush_node`: `domainstate` = flush unless already `flushed`; the node moves its VMs away
    /// and writes `flushed`. With `wait`, returns once the value is no longer `flush`; any end
    /// but `flushed` (our daemon's `flush-failed`) throws `endedIn`.
    public func flush(_ node: String, wait: Bool = false,
                      timeout: Duration = ClusterClient.defaultWaitTimeout) async throws -> NodeDomainStateResult {
        try await changeDomainState(node, request: "flush", settled: "flushed", wait: wait, timeout: timeout,
                                    already: "Node \(node) is already flushed.",
                                    message: "Removing node \(node) from active service.",
                                    waitedMessage: "Removed node \(node) from active service.")
    }

    /// `ready_node`: `domainstate` = unflush unless already `ready`; the node takes its VMs back
    /// and writes `ready`. With `wait`, returns once the value is no longer `unflush`; any end
    /// but `ready` throws `endedIn`.
    public func ready(_ node: String, wait: Bool = false,
                      timeout: Duration = ClusterClient.defaultWaitTimeout) async throws -> NodeDomainStateResult {
        try await changeDomainState(node, request: "unflush", settled: "ready", wait: wait, timeout: timeout,
                                    already: "Node \(node) is already ready.",
                                    message: "Restoring node \(node) to active service.",
                                    waitedMessage: "Restored node \(node) to active service.")
    }

    private func changeDomainState(_ node: String, request: String, settled: String, wait: Bool, timeout: Duration,
                                   already: String, message: String,
                                   waitedMessage: String) async throws -> NodeDomainStateResult {
        try await requireNode(node)
        let statePath = try path("node.state.domain", node)
        if try await store.text(statePath) == settled {
            return NodeDomainStateResult(node: node, written: nil, message: already, finalState: settled, waited: false)
        }
        let written = KeyValue(path: statePath, value: request)
        try await KeyWrites.write([written], in: store)
        guard wait else {
            return NodeDomainStateResult(node: node, written: written, message: message, finalState: nil, waited: false)
        }
        let wait = KeyWait(store: store, path: statePath, subject: "node \(node)", timeout: timeout)
        let final = try await wait.until { $0 != request }
        guard final == settled else {
            throw ClusterClientError.endedIn(subject: "node \(node)", path: statePath, state: final, expected: settled)
        }
        return NodeDomainStateResult(node: node, written: written, message: waitedMessage, finalState: final, waited: true)
    }
}
