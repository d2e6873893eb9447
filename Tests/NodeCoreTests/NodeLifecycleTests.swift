import ClusterSchema
import Coordination
import NodeCore
import Testing

@Suite struct NodeLifecycleTests {
    let schema: SchemaVersion

    init() throws {
        schema = try SchemaCatalog.bundled().schema(15)
    }

    func lifecycle(_ name: String = "hv1", role: NodeRole = .coordinator) throws -> NodeLifecycle {
        let identity = NodeIdentity(name: name, role: role, staticData: "2 6.1.0 GNU/Linux x86_64",
                                    pvcVersion: "test", activeSchema: 15, latestSchema: 15)
        return NodeLifecycle(identity: identity, paths: try NodePaths(schema: schema, node: name))
    }

    func operations(_ directives: [Directive]) -> [Operation] {
        directives.flatMap { directive -> [Operation] in
            if case .write(_, let operations) = directive { return operations }
            return []
        }
    }

    func value(_ operations: [Operation], _ path: String) -> String? {
        for operation in operations {
            switch operation {
            case .create(path, let data, _), .set(path, let data, _):
                return String(decoding: data, as: UTF8.self)
            default:
                continue
            }
        }
        return nil
    }

    @Test func pathsComeFromTheSchema() throws {
        let paths = try NodePaths(schema: schema, node: "hv1")
        #expect(paths.root == "/nodes/hv1")
        #expect(paths.keepalive == "/nodes/hv1/keepalive")
        #expect(paths.domainsCount == "/nodes/hv1/domainscount")
        #expect(paths.otherKeys.contains("/nodes/hv1/sriov/vf"))
        #expect(!paths.otherKeys.contains(paths.root))
    }

    /// Version 0 predates `pvcversion`: a schema without a key the lifecycle writes fails when the
    /// paths are resolved, not by writing the value over the node's root.
    @Test func aSchemaWithoutAKeyIsRefused() throws {
        let old = try SchemaCatalog.bundled().schema(0)
        #expect(throws: SchemaError.self) { try NodePaths(schema: old, node: "hv1") }
    }

    @Test func aNewNodeGetsEveryKeyAndValidates() async throws {
        let server = InMemoryCoordination()
        let store = server.connect()
        try await schema.apply(to: store)
        var node = try lifecycle("hv7", role: .hypervisor)
        let registration = operations(node.onStarted(nodeExists: false, now: 1234))
        _ = try await store.multi(registration)
        #expect(try await schema.validate(store).isValid)
        #expect(value(registration, "/nodes/hv7") == "hypervisor")
        #expect(value(registration, "/nodes/hv7/routerstate") == "client")
        #expect(value(registration, "/nodes/hv7/daemonstate") == "init")
        #expect(value(registration, "/nodes/hv7/domainstate") == "flushed")
        #expect(value(registration, "/nodes/hv7/runningdomains") == "")
        #expect(value(registration, "/nodes/hv7/keepalive") == "1234")
        #expect(value(registration, "/nodes/hv7/activeschema") == "15")
        await store.close()
    }

    @Test func anExistingNodeKeepsItsKeepaliveAndDomainState() throws {
        var node = try lifecycle()
        let registration = operations(node.onStarted(nodeExists: true, now: 99))
        #expect(value(registration, "/nodes/hv1/keepalive") == nil)
        #expect(value(registration, "/nodes/hv1/domainstate") == nil)
        #expect(value(registration, "/nodes/hv1/daemonstate") == "init")
        #expect(registration.allSatisfy { if case .set = $0 { true } else { false } })
    }

    @Test func theFirstKeepaliveWritesRunWithTheTimestamp() throws {
        var node = try lifecycle()
        _ = node.onStarted(nodeExists: false, now: 10)
        _ = node.onWriteSucceeded(.registration)
        let first = node.onKeepaliveTick(KeepaliveStats(), now: 15)
        #expect(first.count == 1)
        let writes = operations(first)
        #expect(value(writes, "/nodes/hv1/daemonstate") == "run")
        #expect(value(writes, "/nodes/hv1/keepalive") == "15")
        #expect(writes.allSatisfy { if case .set(_, _, nil) = $0 { true } else { false } })
        _ = node.onWriteSucceeded(.keepalive)
        #expect(node.phase == .running)
        #expect(node.committedState == .run)
        let second = operations(node.onKeepaliveTick(KeepaliveStats(), now: 20))
        #expect(value(second, "/nodes/hv1/daemonstate") == nil)
        #expect(value(second, "/nodes/hv1/keepalive") == "20")
    }

    @Test func runningDomainsAreSpaceSeparated() throws {
        var node = try lifecycle()
        _ = node.onStarted(nodeExists: true, now: 0)
        _ = node.onWriteSucceeded(.registration)
        let writes = operations(node.onKeepaliveTick(KeepaliveStats(runningDomains: ["a", "b"]), now: 1))
        #expect(value(writes, "/nodes/hv1/runningdomains") == "a b")
    }

    @Test func shutdownEndsInStopAndClose() throws {
        var node = try lifecycle()
        _ = node.onStarted(nodeExists: true, now: 0)
        _ = node.onWriteSucceeded(.registration)
        let goodbye = node.onShutdownRequested(KeepaliveStats(), now: 7)
        #expect(value(operations(goodbye), "/nodes/hv1/daemonstate") == "shutdown")
        #expect(value(operations(goodbye), "/nodes/hv1/keepalive") == "7")
        let stop = node.onWriteSucceeded(.shutdown)
        #expect(operations(stop) == [.set("/nodes/hv1/daemonstate", data: Array("stop".utf8))])
        #expect(node.onWriteSucceeded(.stop) == [.closeSession])
        #expect(node.phase == .stopped)
        #expect(node.committedState == .stop)
        #expect(node.onShutdownRequested(KeepaliveStats(), now: 8) == [])
    }
}
