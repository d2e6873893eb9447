/// What `vm list` and `vm info` show of a VM; nil fields are missing keys or bytes not UTF-8.
public struct VMSummary: Sendable, Equatable {
    public let uuid: String
    public let name: String
    public let state: String?
    public let node: String?
    public let lastNode: String?
    public let failedReason: String?
    public let migrationMethod: String?
    public let nodeLimit: String?
    public let nodeSelector: String?
    public let autostart: String?
    public let vnc: String?
    public let stats: String?

    /// Schema key → field, for reading.
    static let keys = ["domain.state", "domain.node", "domain.last_node", "domain.failed_reason",
                       "domain.meta.migrate_method", "domain.meta.node_limit", "domain.meta.node_selector",
                       "domain.meta.autostart", "domain.console.vnc", "domain.stats"]
}

extension ClusterClient {
    /// Every VM, sorted by name.
    public func list() async throws -> [VMSummary] {
        var summaries: [VMSummary] = []
        for vm in try await definedVMs() {
            summaries.append(try await summary(of: vm))
        }
        return summaries
    }

    /// One VM by name or UUID.
    public func info(_ vm: String) async throws -> VMSummary {
        try await summary(of: try await resolveVM(vm))
    }

    func summary(of vm: VMIdentity) async throws -> VMSummary {
        var paths: [String: String] = [:]
        for key in VMSummary.keys { paths[key] = try path(key, vm.uuid) }
        let values = try await store.texts(Array(paths.values))
        func value(_ key: String) -> String? { paths[key].flatMap { values[$0] } }
        return VMSummary(uuid: vm.uuid, name: vm.name, state: value("domain.state"), node: value("domain.node"),
                         lastNode: value("domain.last_node"), failedReason: value("domain.failed_reason"),
                         migrationMethod: value("domain.meta.migrate_method"),
                         nodeLimit: value("domain.meta.node_limit"), nodeSelector: value("domain.meta.node_selector"),
                         autostart: value("domain.meta.autostart"), vnc: value("domain.console.vnc"),
                         stats: value("domain.stats"))
    }
}
