/// How a migration target is picked among the eligible nodes (`/domains/U/node_selector`, the
/// cluster default `/config/migration_target_selector`): pvc-node-daemon.md §7.4.
public enum MigrationSelector: String, Sendable, Equatable, CaseIterable {
    /// Most `memfree` (MiB available to new guests).
    case mem
    /// Most memory not yet promised: `(memused + memfree) − memprov`. Unlike `mem`, it counts VMs
    /// assigned to a node but stopped, which will want their memory back when started.
    case memprov
    /// Lowest 1-minute load average (`cpuload`).
    case load
    /// Fewest vCPUs of running VMs (`vcpualloc`).
    case vcpus
    /// Fewest running VMs (`domainscount`; despite PVC's CLI help, running, not provisioned:
    /// §15 question 10).
    case vms

    /// PVC's word for "no per-VM selector, use the cluster default". Not a selector itself.
    public static let noneWord = "none"

    /// The selector a text names, or nil. Surrounding whitespace and letter case are forgiven
    /// (`Mem\n` is `mem`): PVC compares exactly, but a hand-written key that differs only so is
    /// unambiguous, and the alternative is a fallback nobody asked for.
    public init?(parsing text: String) {
        self.init(rawValue: PlacementText.trimmed(text).lowercased())
    }
}
