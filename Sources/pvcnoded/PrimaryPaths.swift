import ClusterSchema
import NodeCore

/// The keys the primary role reads and writes, resolved once from the active schema.
struct PrimaryPaths: Sendable {
    let schema: SchemaVersion
    let primaryNode: String
    let syncLock: String
    let nodes: String
    let maintenance: String
    let migrationTargetSelector: String
    let upstreamIP: String
    /// Our extension: one ephemeral child per live daemon session (`SessionMarker`).
    let sessions: String

    init(schema: SchemaVersion) throws {
        self.schema = schema
        primaryNode = try schema.path("base.config.primary_node")
        syncLock = try schema.path("base.config.primary_node.sync_lock")
        nodes = try schema.path("base.node")
        maintenance = try schema.path("base.config.maintenance")
        migrationTargetSelector = try schema.path("base.config.migration_target_selector")
        upstreamIP = try schema.path("base.config.upstream_ip")
        sessions = try schema.path("base.sessions")
    }

    func node(_ name: String) throws -> NodePaths {
        try NodePaths(schema: schema, node: name)
    }
}
