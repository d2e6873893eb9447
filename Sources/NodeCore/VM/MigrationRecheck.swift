/// The source's second look at a migration, once it holds the VM's locks: the record read then
/// is the one nobody else may change until the outcome is written, so this decides whether the
/// migration decided on earlier still stands.
public enum MigrationRecheck {
    /// nil: go ahead. Otherwise the outcome to report without touching libvirt.
    ///
    /// - Parameters:
    ///   - state: `/domains/U/state` as read under the locks (nil: missing).
    ///   - node: `/domains/U/node` as read under the locks (nil: missing).
    ///   - target: the node the migration was decided for.
    ///   - source: this node.
    public static func outcome(state: String?, node: String?, target: String, source: String) -> VMActionOutcome? {
        guard let state, VMState(rawValue: state)?.isMigration == true else {
            return .skipped("state is now \(state ?? "gone")")
        }
        guard node == target else {
            if node == source { return .skipped("the target is this node") }
            return .skipped("target changed to \(node ?? "nothing")")
        }
        return nil
    }
}
