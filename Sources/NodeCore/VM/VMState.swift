/// PVC's words for `/domains/U/state` (pvc-node-daemon.md §6.1): what the cluster wants of a VM.
public enum VMState: String, Sendable, Equatable, CaseIterable {
    case start
    case stop
    case shutdown
    case restart
    case migrate
    case migrateLive = "migrate-live"
    case disable
    case fail
    case provision
    case `import`
    case restore
    case mirror
    case delete
    /// Legacy: no longer written, still counted by flushes and metrics.
    case unmigrate

    public var isMigration: Bool { self == .migrate || self == .migrateLive }
}
