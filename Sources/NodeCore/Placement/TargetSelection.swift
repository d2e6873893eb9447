/// Where a VM goes when it is migrated without a named target, or evacuated by a flush: PVC's
/// `findTargetNode` (pvc-node-daemon.md §7.4), pure, with three changes:
/// - ties are broken by node name (byte order, smallest wins), not by ZooKeeper's child order,
///   which is arbitrary (§15 question 8): the same cluster state always gives the same target,
///   whatever order the nodes are listed in;
/// - an empty or unknown selector falls back (per VM to the cluster default, cluster default to
///   `mem`) with a warning instead of giving no target (see `SelectorResolution`);
/// - load already in flight to a node (a parallel flush) counts against it (see
///   `MigrationSelector.value(of:inFlight:)`).
public enum TargetSelection {
    /// Chooses from the texts of the keys, as read.
    ///
    /// - Parameters:
    ///   - vm: the VM's name or UUID, only for warnings.
    ///   - currentNode: the node never to choose: the VM's `node`; for a flush, its `lastnode`
    ///     when set (the VM's original home, which a flush must not pick, §8 step 3).
    ///   - nodeLimit: `/domains/U/node_limit`; nil when missing (no limit).
    ///   - vmSelector: `/domains/U/node_selector`; nil when missing.
    ///   - clusterSelector: `/config/migration_target_selector`; nil when missing.
    ///   - candidates: every node under `/nodes`, in any order.
    ///   - inFlight: VMs already on their way to a node, by node name.
    public static func choose(vm: String, currentNode: String, nodeLimit: String?, vmSelector: String?,
                              clusterSelector: String?, candidates: [CandidateNode],
                              inFlight: [String: InFlightLoad] = [:]) -> TargetChoice {
        choose(currentNode: currentNode, nodeLimit: NodeLimit(parsing: nodeLimit),
               selection: SelectorResolution(vm: vm, vmSelector: vmSelector, clusterSelector: clusterSelector),
               candidates: candidates, inFlight: inFlight)
    }

    /// Chooses with the limit and selector already resolved (e.g. a selector given on a command
    /// line).
    public static func choose(currentNode: String, nodeLimit: NodeLimit, selection: SelectorResolution,
                              candidates: [CandidateNode], inFlight: [String: InFlightLoad] = [:]) -> TargetChoice {
        var excluded: [Exclusion] = []
        var eligible: [CandidateNode] = []
        for node in candidates {
            if let reason = exclusion(of: node, currentNode: currentNode, nodeLimit: nodeLimit) {
                excluded.append(Exclusion(node: node.name, reason: reason))
            } else {
                eligible.append(node)
            }
        }

        var best: (node: String, value: SelectorValue)?
        for node in eligible {
            guard let value = selection.selector.value(of: node, inFlight: inFlight[node.name] ?? .none),
                  value.beatsStart else { continue }
            guard let current = best else {
                best = (node.name, value)
                continue
            }
            if value.isBetter(than: current.value)
                || (!current.value.isBetter(than: value) && precedes(node.name, current.node)) {
                best = (node.name, value)
            }
        }

        let outcome: TargetChoice.Outcome
        if let best {
            outcome = .chosen(node: best.node, value: best.value)
        } else if candidates.isEmpty {
            outcome = .noTarget(.noNodes)
        } else if eligible.isEmpty {
            outcome = .noTarget(.allExcluded)
        } else {
            outcome = .noTarget(.noWinningValue)
        }
        return TargetChoice(
            outcome: outcome, selection: selection, nodeLimit: nodeLimit,
            excluded: excluded.sorted(by: precedes),
            eligible: eligible.map(\.name).sorted(by: precedes))
    }

    /// PVC's eligibility rules in PVC's order; nil when the node is eligible.
    static func exclusion(of node: CandidateNode, currentNode: String, nodeLimit: NodeLimit) -> Exclusion.Reason? {
        if !nodeLimit.allows(node.name) { return .outsideNodeLimit }
        if node.name == currentNode { return .currentNode }
        if !node.isRunning { return .daemonState(node.daemonState) }
        if !node.isReady { return .domainState(node.domainState) }
        return nil
    }

    /// Exclusions by name, then by reason: a total order, so that even a listing with a name
    /// twice gives the same result in any order.
    static func precedes(_ a: Exclusion, _ b: Exclusion) -> Bool {
        if !a.node.utf8.elementsEqual(b.node.utf8) { return precedes(a.node, b.node) }
        if a.reason.rank != b.reason.rank { return a.reason.rank < b.reason.rank }
        let (stateA, stateB) = (a.reason.state, b.reason.state)
        if (stateA == nil) != (stateB == nil) { return stateA == nil }
        return precedes(stateA ?? "", stateB ?? "")
    }

    /// The tie-break order: bytes of the UTF-8 names. Total, unlike `String`'s `<`, under which
    /// two canonically equivalent spellings are equal and the first listed would win.
    static func precedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
