import ClusterSchema

/// The paths of one node's keys, resolved once from the schema so that every keepalive is a plain
/// list of writes, and so that a schema lacking a key the lifecycle writes fails at startup rather
/// than in the middle of a transaction.
public struct NodePaths: Sendable, Equatable {
    public let root: String
    public let daemonMode: String
    public let daemonState: String
    public let domainState: String
    public let routerState: String
    public let keepalive: String
    public let staticData: String
    public let pvcVersion: String
    public let ipmiHostname: String
    public let ipmiUsername: String
    public let ipmiPassword: String
    public let memTotal: String
    public let memUsed: String
    public let memFree: String
    public let memAllocated: String
    public let memProvisioned: String
    public let vcpuAllocated: String
    public let cpuLoad: String
    public let runningDomains: String
    public let domainsCount: String
    public let networksCount: String
    public let activeSchema: String
    public let latestSchema: String
    /// Every other key of the node group (monitoring, network stats, SR-IOV), sorted so parents
    /// come before their children: a new node gets them empty, so that the next `validate` finds
    /// nothing missing.
    public let otherKeys: [String]

    public static let nodeGroup = "node"

    public init(schema: SchemaVersion, node: String) throws(SchemaError) {
        guard let group = schema.groups[Self.nodeGroup] else {
            throw .malformed(version: schema.version, "no '\(Self.nodeGroup)' group")
        }
        var used: Set<String> = []
        func resolve(_ name: String) throws(SchemaError) -> String {
            // `path(_:item:)` maps an unknown key to the item's root; writing a stat there would
            // overwrite the node's mode, so an unknown key must fail here.
            guard group.keys[name] != nil else {
                throw .unknownKey("\(Self.nodeGroup).\(name)")
            }
            used.insert(name)
            return try schema.path("\(Self.nodeGroup).\(name)", item: node)
        }
        root = try resolve("name")
        daemonMode = try resolve("mode")
        daemonState = try resolve("state.daemon")
        domainState = try resolve("state.domain")
        routerState = try resolve("state.router")
        keepalive = try resolve("keepalive")
        staticData = try resolve("data.static")
        pvcVersion = try resolve("data.pvc_version")
        ipmiHostname = try resolve("ipmi.hostname")
        ipmiUsername = try resolve("ipmi.username")
        ipmiPassword = try resolve("ipmi.password")
        memTotal = try resolve("memory.total")
        memUsed = try resolve("memory.used")
        memFree = try resolve("memory.free")
        memAllocated = try resolve("memory.allocated")
        memProvisioned = try resolve("memory.provisioned")
        vcpuAllocated = try resolve("vcpu.allocated")
        cpuLoad = try resolve("cpu.load")
        runningDomains = try resolve("running_domains")
        domainsCount = try resolve("count.provisioned_domains")
        networksCount = try resolve("count.networks")
        activeSchema = try resolve("data.active_schema")
        latestSchema = try resolve("data.latest_schema")
        var others: [String] = []
        for name in group.keys.keys.sorted() where !used.contains(name) {
            others.append(try schema.path("\(Self.nodeGroup).\(name)", item: node))
        }
        otherKeys = others.sorted()
    }
}
