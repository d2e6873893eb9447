/// The result of a target selection: the chosen node, or why there is none, with everything a
/// log line or a `failedreason` needs to explain it.
public struct TargetChoice: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        /// The node to migrate to, with its reading (after in-flight load).
        case chosen(node: String, value: SelectorValue)
        case noTarget(NoTarget)
    }

    public enum NoTarget: Sendable, Equatable {
        /// No nodes were listed at all.
        case noNodes
        /// Every node failed a rule (node_limit, current node, daemonstate, domainstate): see
        /// `excluded`.
        case allExcluded
        /// Nodes were eligible, but none had a reading that beats PVC's start value (no free
        /// memory, or keys missing or garbage): see `eligible`.
        case noWinningValue
    }

    public let outcome: Outcome
    /// The selector used, where it came from, and the warnings of any fallback.
    public let selection: SelectorResolution
    public let nodeLimit: NodeLimit
    /// Nodes not considered, by name (byte order), so the result never depends on the order the
    /// nodes were listed in.
    public let excluded: [Exclusion]
    /// Nodes that passed every rule, by name (byte order), whether or not their reading won.
    public let eligible: [String]

    public init(outcome: Outcome, selection: SelectorResolution, nodeLimit: NodeLimit, excluded: [Exclusion],
                eligible: [String]) {
        self.outcome = outcome
        self.selection = selection
        self.nodeLimit = nodeLimit
        self.excluded = excluded
        self.eligible = eligible
    }

    /// The chosen node, or nil.
    public var target: String? {
        if case .chosen(let node, _) = outcome { return node }
        return nil
    }

    public var selector: MigrationSelector { selection.selector }
    public var fellBack: Bool { selection.fellBack }
    public var warnings: [String] { selection.warnings }

    /// One line for the log or a `failedreason`, e.g. `hv2 by mem (memfree: 2048 MiB)` or
    /// `no target by mem: hv1 is the VM's current node; hv3 daemonstate 'stop'`.
    public var summary: String {
        let by = "by \(selector.rawValue)"
        switch outcome {
        case .chosen(let node, let value):
            return "\(node) \(by) (\(selector.keyDescription): \(Self.describe(value)))"
        case .noTarget(.noNodes):
            return "no target \(by): no nodes listed"
        case .noTarget(.allExcluded):
            let reasons = excluded.map { "\($0.node) \($0.reason.text)" }.joined(separator: "; ")
            return "no target \(by): no eligible node (\(reasons))"
        case .noTarget(.noWinningValue):
            return "no target \(by): no eligible node has a usable \(selector.keyDescription) "
                + "(eligible: \(eligible.joined(separator: ", ")))"
        }
    }

    static func describe(_ value: SelectorValue) -> String {
        switch value {
        case .memory(let mib): "\(mib) MiB"
        case .load(let load): "\(load)"
        case .count(let count): "\(count)"
        }
    }
}
