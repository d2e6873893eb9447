import ClusterClient
import ClusterSchema
import Coordination
import Foundation
import Testing
import ZooKeeper

/// An initialized schema-15 cluster in a sandbox chroot, with a `ClusterClient` on a session
/// chrooted there (paths as PVC sees them) and helpers that play the node daemons' part by
/// writing to ZooKeeper directly.
struct VMTestCluster {
    let sandbox: Sandbox
    let store: ZooKeeperClient
    let client: ClusterClient

    /// Generous: the test machine is loaded; only a wait meant to time out uses a short bound.
    static let waitLimit: Duration = .seconds(60)

    static func make(_ sandbox: Sandbox) async throws -> VMTestCluster {
        var configuration = ZooKeeperClient.Configuration(hosts: sandbox.hosts, chroot: sandbox.chroot)
        configuration.logger.logLevel = .warning
        let store = try await ZooKeeperClient.connect(configuration)
        let schema = try SchemaCatalog.bundled().schema(15)
        _ = try await schema.apply(to: store)
        _ = try await store.set("/config/migration_target_selector", data: Array("mem".utf8))
        return VMTestCluster(sandbox: sandbox, store: store,
                             client: ClusterClient(store: store, schema: schema, lockTimeout: .seconds(30)))
    }

    /// A registered node, as far as the client reads one.
    func node(_ name: String, daemon: String = "run", domain: String = "ready", memfree: Int = 4096,
              memused: Int = 1024, memprov: Int = 0, load: String = "0.5", vcpus: Int = 0, vms: Int = 0) async throws {
        let keys: [(String, String)] = [
            ("", "hypervisor"), ("/daemonmode", "hypervisor"), ("/daemonstate", daemon), ("/domainstate", domain),
            ("/memfree", String(memfree)), ("/memused", String(memused)), ("/memprov", String(memprov)),
            ("/cpuload", load), ("/vcpualloc", String(vcpus)), ("/domainscount", String(vms)),
        ]
        for (key, value) in keys { try await sandbox.write("/nodes/\(name)\(key)", value) }
    }

    /// hv1, hv2 and hv3, every one `run` and `ready`.
    func threeNodes() async throws {
        for name in ["hv1", "hv2", "hv3"] { try await node(name) }
    }

    /// Defines a VM through the client and returns its UUID.
    @discardableResult
    func define(_ name: String, on node: String, limit: [String] = []) async throws -> String {
        let uuid = UUID().uuidString.lowercased()
        _ = try await client.define(xml: Self.domainXML(name: name, uuid: uuid), node: node, limit: limit)
        return uuid
    }

    static func domainXML(name: String?, uuid: String?, rbd: [String] = []) -> String {
        let disks = rbd.map {
            "<disk type='network' device='disk'><source protocol='rbd' name='\($0)'/><target dev='vda'/></disk>"
        }.joined()
        return """
            <domain type='kvm'>\(name.map { "<name>\($0)</name>" } ?? "")\(uuid.map { "<uuid>\($0)</uuid>" } ?? "")\
            <memory unit='MiB'>512</memory><vcpu>1</vcpu><os><type>hvm</type></os><devices>\(disks)</devices></domain>
            """
    }

    func text(_ path: String) async throws -> String? {
        try await sandbox.text(path)
    }

    func write(_ path: String, _ value: String) async throws {
        try await sandbox.write(path, value)
    }

    /// Sets a VM's keys as a daemon or an earlier operation would have left them.
    func set(_ uuid: String, _ values: [String: String]) async throws {
        for (key, value) in values { try await write("/domains/\(uuid)/\(key)", value) }
    }

    /// Plays a node daemon: once `path` holds `trigger`, writes `response` (each pair in order).
    /// Watch-driven; bounded by `waitLimit`.
    func respond(at path: String, when trigger: String, with response: [(String, String)]) -> Task<Void, any Error> {
        let admin = sandbox.admin
        let absolute = sandbox.chroot + path
        let chroot = sandbox.chroot
        return Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await value in admin.watchData(absolute) where value?.text == trigger {
                        for (key, text) in response {
                            _ = try await admin.set(chroot + key, data: Array(text.utf8))
                        }
                        return
                    }
                    throw PvcctlTestError("the watch on \(path) ended before '\(trigger)'")
                }
                group.addTask {
                    try await Task.sleep(for: Self.waitLimit)
                    throw PvcctlTestError("\(path) never became '\(trigger)'")
                }
                defer { group.cancelAll() }
                _ = try await group.next()
            }
        }
    }

    /// The lock contenders left under a key: none once every operation released its lock.
    func contenders(_ path: String) async throws -> [String] {
        try await store.children(path).filter { $0.contains("__lock__") || $0.contains("__rlock__") }
    }

    func close() async {
        await store.close()
    }
}

/// Runs `body` on a fresh cluster in its own sandbox; closes and deletes it after.
func withVMCluster(_ body: (VMTestCluster) async throws -> Void) async throws {
    try await withSandbox { sandbox in
        let cluster = try await VMTestCluster.make(sandbox)
        do {
            try await body(cluster)
            await cluster.close()
        } catch {
            await cluster.close()
            throw error
        }
    }
}

/// Asserts that `operation` throws exactly `expected`.
func expectRefusal<T>(_ expected: ClusterClientError, sourceLocation: SourceLocation = #_sourceLocation,
                      _ operation: () async throws -> T) async {
    do {
        _ = try await operation()
        Issue.record("expected \(expected), but it succeeded", sourceLocation: sourceLocation)
    } catch let error as ClusterClientError {
        #expect(error == expected, sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(expected), got \(error)", sourceLocation: sourceLocation)
    }
}
