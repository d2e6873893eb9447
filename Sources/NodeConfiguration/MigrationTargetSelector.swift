/// PVC's target selectors (`common.findTargetNode`). The raw values are written to `/config/migration_target_selector`
/// and read by PVC's own tools, so they must stay PVC's words.
public enum MigrationTargetSelector: String, Sendable, Equatable, CaseIterable {
    case mem
    case memprov
    case load
    case vcpus
    case vms
}
