import ClusterSchema

/// The keys of one VM the runtime reads and writes, resolved once from the active schema.
struct VMPaths: Sendable {
    let root: String
    let state: String
    let node: String
    let lastNode: String
    let xml: String
    let failedReason: String
    let migrationMethod: String
    let maxDowntime: String
    let stats: String
    let vnc: String
    let consoleLog: String
    let syncLock: String
    let autostart: String
    let nodeLimit: String
    let nodeSelector: String
    /// `rbdlist`: the VM's RBD volumes, whose locks are checked before a start.
    let volumes: String

    init(schema: SchemaVersion, uuid: String) throws {
        root = try schema.path("domain", item: uuid)
        state = try schema.path("domain.state", item: uuid)
        node = try schema.path("domain.node", item: uuid)
        lastNode = try schema.path("domain.last_node", item: uuid)
        xml = try schema.path("domain.xml", item: uuid)
        failedReason = try schema.path("domain.failed_reason", item: uuid)
        migrationMethod = try schema.path("domain.meta.migrate_method", item: uuid)
        maxDowntime = try schema.path("domain.meta.migrate_max_downtime", item: uuid)
        stats = try schema.path("domain.stats", item: uuid)
        vnc = try schema.path("domain.console.vnc", item: uuid)
        consoleLog = try schema.path("domain.console.log", item: uuid)
        syncLock = try schema.path("domain.migrate.sync_lock", item: uuid)
        autostart = try schema.path("domain.meta.autostart", item: uuid)
        nodeLimit = try schema.path("domain.meta.node_limit", item: uuid)
        nodeSelector = try schema.path("domain.meta.node_selector", item: uuid)
        volumes = try schema.path("domain.storage.volumes", item: uuid)
    }
}
