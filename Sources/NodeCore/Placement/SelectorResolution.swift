/// Which selector a VM's placement uses, and why: the VM's own `node_selector` when it names one,
/// else the cluster default, else `mem`.
///
/// Beyond PVC (§7.4 step 2): an empty or unknown per-VM selector falls back to the cluster
/// default with a warning, where PVC picks no target at all (an empty selector matches none of
/// its branches) and a flush would shut the VM down. An unknown cluster default falls back to
/// `mem` (PVC's configuration default) with a warning, where PVC again picks nothing.
public struct SelectorResolution: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        /// The VM's own `node_selector`.
        case vm
        /// `/config/migration_target_selector`: the VM has none (`none`, `None`, missing), or an
        /// empty or unknown one (then with a warning).
        case cluster
        /// `mem`: the cluster default itself was empty or unknown (with a warning).
        case builtInDefault
    }

    /// PVC's configuration default for `migration.target_selector`.
    public static let builtInDefault = MigrationSelector.mem

    public let selector: MigrationSelector
    public let source: Source
    /// For the log (and a `failedreason`): why a configured selector was not used. Empty when
    /// every key read as intended, including a VM that says `none`.
    public let warnings: [String]

    /// Whether the VM's own selector was not used, for whatever reason.
    public var fellBack: Bool { source != .vm }

    /// - Parameters:
    ///   - vm: the VM's name or UUID, only for the warnings.
    ///   - vmSelector: `/domains/U/node_selector`; nil when the key is missing.
    ///   - clusterSelector: `/config/migration_target_selector`; nil when the key is missing.
    public init(vm: String, vmSelector: String?, clusterSelector: String?) {
        var warnings: [String] = []
        if let vmSelector {
            if let selector = MigrationSelector(parsing: vmSelector) {
                self.selector = selector
                source = .vm
                self.warnings = []
                return
            }
            let word = PlacementText.trimmed(vmSelector).lowercased()
            if word.isEmpty {
                warnings.append("VM \(vm): node_selector is empty; using the cluster default")
            } else if word != MigrationSelector.noneWord {
                warnings.append("VM \(vm): node_selector \(PlacementText.quoted(vmSelector)) is not one of "
                    + "\(Self.known); using the cluster default")
            }
        }
        if let clusterSelector, let selector = MigrationSelector(parsing: clusterSelector) {
            self.selector = selector
            source = .cluster
        } else {
            let shown = clusterSelector.map { PlacementText.quoted($0) } ?? "missing"
            warnings.append("/config/migration_target_selector is \(shown), not one of \(Self.known); "
                + "using \(Self.builtInDefault.rawValue)")
            selector = Self.builtInDefault
            source = .builtInDefault
        }
        self.warnings = warnings
    }

    static var known: String {
        MigrationSelector.allCases.map(\.rawValue).joined(separator: ", ")
    }
}
