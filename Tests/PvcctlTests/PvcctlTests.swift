import Glibc
import ClusterSchema
import Coordination
import Foundation
import LocalServices
import Testing
import ZooKeeper

/// A chroot of its own on the shared test ZooKeeper, with a client on the real root to set up and
/// inspect the tree behind pvcctl's back.
struct Sandbox {
    let hosts: String
    let chroot: String
    let admin: ZooKeeperClient

    var zk: String { hosts + chroot }

    static func make() async throws -> Sandbox {
        let hosts = try await SharedTestZooKeeper.connectString()
        var configuration = ZooKeeperClient.Configuration(hosts: hosts)
        configuration.logger.logLevel = .warning
        let admin = try await ZooKeeperClient.connect(configuration)
        let chroot = "/pvcctl-" + UUID().uuidString.lowercased()
        _ = try await admin.create(chroot, data: [], mode: .persistent)
        return Sandbox(hosts: hosts, chroot: chroot, admin: admin)
    }

    func tearDown() async {
        try? await admin.deleteRecursive(chroot)
        await admin.close()
    }

    func ctl(_ arguments: String...) async throws -> CtlRun {
        try await Pvcctl.run(arguments + ["--zk", zk])
    }

    /// Every path in the sandbox, relative to the chroot ("/" is the chroot itself).
    func tree() async throws -> Set<String> {
        var paths: Set<String> = []
        func walk(_ relative: String) async throws {
            paths.insert(relative)
            let absolute = relative == "/" ? chroot : chroot + relative
            for child in try await admin.children(absolute) {
                try await walk(relative == "/" ? "/" + child : relative + "/" + child)
            }
        }
        try await walk("/")
        return paths
    }

    func text(_ relative: String) async throws -> String? {
        try await admin.get(chroot + relative).text
    }

    func write(_ relative: String, _ value: String) async throws {
        try await write(relative, Array(value.utf8))
    }

    func write(_ relative: String, _ data: [UInt8]) async throws {
        let path = chroot + relative
        if try await admin.exists(path) == nil {
            _ = try await admin.create(path, data: data, makeParents: true)
        } else {
            _ = try await admin.set(path, data: data)
        }
    }
}

func withSandbox(_ body: (Sandbox) async throws -> Void) async throws {
    let sandbox = try await Sandbox.make()
    do {
        try await body(sandbox)
        await sandbox.tearDown()
    } catch {
        await sandbox.tearDown()
        throw error
    }
}

/// The paths PVC's cluster_initialize leaves for schema 15, every base key, and our own base keys
/// (`/schema/migrated`), which `apply` creates with them.
func schema15BasePaths() throws -> Set<String> {
    let schema = try SchemaCatalog.bundled().schema(15)
    let base = schema.extended(SchemaVersion.baseGroup) ?? schema.base
    return Set(base.keys.values.map { $0.isEmpty ? "/" : $0 })
}

func parseJSON(_ text: String) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(text.utf8))
}

@Suite("pvcctl against a real ZooKeeper")
struct PvcctlTests {
    @Test("cluster init creates exactly schema 15's base keys and refuses a second init")
    func initCreatesBaseKeys() async throws {
        try await withSandbox { sandbox in
            let first = try await sandbox.ctl("cluster", "init")
            #expect(first.status == 0, "stderr: \(first.stderr)")
            let expected = try schema15BasePaths()
            #expect(try await sandbox.tree() == expected)
            #expect(try await sandbox.text("/schema/version") == "15")
            #expect(try await sandbox.text("/config/maintenance") == "")
            #expect(try await sandbox.text("/config/primary_node") == "")

            let second = try await sandbox.ctl("cluster", "init")
            #expect(second.status != 0)
            #expect(second.stderrLines.count == 1)
            #expect(second.stderr.contains("already initialized"))
            #expect(try await sandbox.tree() == expected)
        }
    }

    @Test("cluster init --overwrite deletes every base key and starts again")
    func initOverwrite() async throws {
        try await withSandbox { sandbox in
            #expect(try await sandbox.ctl("cluster", "init").status == 0)
            try await sandbox.write("/nodes/hv1", "coordinator")
            try await sandbox.write("/nodes/hv1/daemonstate", "run")
            try await sandbox.write("/config/maintenance", "true")
            try await sandbox.write("/domains/abc", "vm")

            let again = try await sandbox.ctl("cluster", "init", "--overwrite")
            #expect(again.status == 0, "stderr: \(again.stderr)")
            #expect(try await sandbox.tree() == (try schema15BasePaths()))
            #expect(try await sandbox.text("/config/maintenance") == "")
            #expect(try await sandbox.text("/schema/version") == "15")
        }
    }

    @Test("cluster init takes the write lock on /schema/version: a held lock makes it wait, then fail")
    func initRespectsLock() async throws {
        try await withSandbox { sandbox in
            // A contender of a foreign client on the anchor, in Kazoo's naming, holds the lock.
            try await sandbox.write("/schema/version", "")
            let lock = CoordinationLock(store: sandbox.admin, path: sandbox.chroot + "/schema/version", kind: .write)
            let lease = try await lock.acquire(timeout: .seconds(5))
            let blocked = try await Pvcctl.run(["cluster", "init", "--overwrite", "--zk", sandbox.zk, "--timeout", "1"])
            #expect(blocked.status != 0)
            #expect(blocked.stderr.contains("lock"))
            try await lease.release()
            let free = try await sandbox.ctl("cluster", "init", "--overwrite")
            #expect(free.status == 0, "stderr: \(free.stderr)")
            #expect(try await sandbox.tree() == (try schema15BasePaths()))
        }
    }

    @Test("cluster maintenance on|off writes \"true\"/\"false\", and status shows it")
    func maintenance() async throws {
        try await withSandbox { sandbox in
            #expect(try await sandbox.ctl("cluster", "init").status == 0)
            let on = try await sandbox.ctl("cluster", "maintenance", "on")
            #expect(on.status == 0, "stderr: \(on.stderr)")
            #expect(try await sandbox.text("/config/maintenance") == "true")
            let status = try await sandbox.ctl("cluster", "status", "--format", "json")
            let object = try #require(try parseJSON(status.stdout) as? [String: Any])
            #expect(object["maintenance"] as? String == "true")
            #expect(object["schema_version"] as? String == "15")

            let off = try await sandbox.ctl("cluster", "maintenance", "off")
            #expect(off.status == 0, "stderr: \(off.stderr)")
            #expect(try await sandbox.text("/config/maintenance") == "false")
            let table = try await sandbox.ctl("cluster", "status")
            #expect(table.status == 0)
            #expect(table.stdout.contains("false"))
        }
    }

    @Test("cluster maintenance on an uninitialized cluster says so")
    func maintenanceUninitialized() async throws {
        try await withSandbox { sandbox in
            let run = try await sandbox.ctl("cluster", "maintenance", "on")
            #expect(run.status != 0)
            #expect(run.stderrLines.count == 1)
            #expect(run.stderr.contains("not initialized"))
            #expect(try await sandbox.tree() == ["/"])
        }
    }

    @Test("node list shows a hand-written node's state, and ? for garbage and missing keys")
    func nodeList() async throws {
        try await withSandbox { sandbox in
            #expect(try await sandbox.ctl("cluster", "init").status == 0)
            let now = Int(Date().timeIntervalSince1970)
            let good: [String: String] = [
                "": "coordinator", "/daemonmode": "coordinator", "/daemonstate": "run", "/routerstate": "primary",
                "/domainstate": "ready", "/keepalive": String(now - 3), "/memfree": "12345", "/cpuload": "0.37",
                "/domainscount": "2",
            ]
            for (key, value) in good { try await sandbox.write("/nodes/hv1" + key, value) }
            // hv2: garbage keepalive, memfree not UTF-8, no daemonstate, a 1 MiB routerstate.
            try await sandbox.write("/nodes/hv2", "hypervisor")
            try await sandbox.write("/nodes/hv2/daemonmode", "hypervisor")
            try await sandbox.write("/nodes/hv2/keepalive", "soon")
            try await sandbox.write("/nodes/hv2/memfree", [0xff, 0xfe, 0x00, 0x80])
            try await sandbox.write("/nodes/hv2/cpuload", "nan")
            try await sandbox.write("/nodes/hv2/routerstate", String(repeating: "x", count: 1_000_000))
            try await sandbox.write("/nodes/hv2/domainstate", "flush\nnewline")

            let table = try await sandbox.ctl("node", "list")
            #expect(table.status == 0, "stderr: \(table.stderr)")
            let lines = table.stdout.split(separator: "\n").map(String.init)
            #expect(lines.count == 3)
            let hv1 = try #require(lines.first { $0.hasPrefix("hv1 ") })
            let hv1Cells = hv1.split(separator: " ").map(String.init)
            #expect(Array(hv1Cells.prefix(5)) == ["hv1", "coordinator", "run", "primary", "ready"])
            let age = try #require(Int(hv1Cells[5]))
            #expect((0...60).contains(age))
            #expect(Array(hv1Cells.suffix(3)) == ["12345", "0.37", "2"])
            let hv2 = try #require(lines.first { $0.hasPrefix("hv2 ") })
            let hv2Cells = hv2.split(separator: " ").map(String.init)
            #expect(hv2Cells[1] == "hypervisor")
            #expect(hv2Cells[2] == "?")
            #expect(hv2.count < 400)
            #expect(Array(hv2Cells.suffix(4)) == ["?", "?", "?", "?"])

            let json = try await sandbox.ctl("node", "list", "--format", "json")
            #expect(json.status == 0, "stderr: \(json.stderr)")
            let nodes = try #require(try parseJSON(json.stdout) as? [[String: Any]])
            #expect(nodes.count == 2)
            let first = try #require(nodes.first { $0["name"] as? String == "hv1" })
            #expect(first["daemonstate"] as? String == "run")
            #expect(first["memfree"] as? Int == 12345)
            #expect(first["domainscount"] as? Int == 2)
            #expect((0...60).contains(first["keepalive_age"] as? Int ?? -1))
            let second = try #require(nodes.first { $0["name"] as? String == "hv2" })
            #expect(second["keepalive_age"] is NSNull)
            #expect(second["memfree"] is NSNull)
            #expect(second["daemonstate"] is NSNull)
            #expect(second["cpuload"] is NSNull)

            let status = try await sandbox.ctl("cluster", "status", "--format", "json")
            let object = try #require(try parseJSON(status.stdout) as? [String: Any])
            #expect(object["node_count"] as? Int == 2)
            let states = try #require(object["nodes"] as? [String: Any])
            #expect(states["hv1"] as? String == "run")
            #expect(states["hv2"] is NSNull)
        }
    }

    @Test("node list on an empty or uninitialized cluster prints only the header")
    func nodeListEmpty() async throws {
        try await withSandbox { sandbox in
            let run = try await sandbox.ctl("node", "list")
            #expect(run.status == 0, "stderr: \(run.stderr)")
            #expect(run.stdout.split(separator: "\n").count == 1)
            let json = try await sandbox.ctl("node", "list", "--format", "json")
            #expect((try parseJSON(json.stdout) as? [Any])?.isEmpty == true)
        }
    }

    @Test("node info shows every key of the node; an unknown node is an error")
    func nodeInfo() async throws {
        try await withSandbox { sandbox in
            #expect(try await sandbox.ctl("cluster", "init").status == 0)
            try await sandbox.write("/nodes/hv1", "coordinator")
            try await sandbox.write("/nodes/hv1/daemonstate", "run")
            try await sandbox.write("/nodes/hv1/staticdata", "4 6.1.0 GNU/Linux x86_64")
            try await sandbox.write("/nodes/hv1/sriov/pf/ens1f0/mtu", "9000")
            try await sandbox.write("/nodes/hv1/memfree", [0xff, 0xfe])

            let json = try await sandbox.ctl("node", "info", "hv1", "--format", "json")
            #expect(json.status == 0, "stderr: \(json.stderr)")
            let object = try #require(try parseJSON(json.stdout) as? [String: Any])
            let keys = try #require(object["keys"] as? [String: Any])
            #expect(keys["/"] as? String == "coordinator")
            #expect(keys["/daemonstate"] as? String == "run")
            #expect(keys["/staticdata"] as? String == "4 6.1.0 GNU/Linux x86_64")
            #expect(keys["/sriov/pf/ens1f0/mtu"] as? String == "9000")
            #expect(keys["/memfree"] is NSNull)

            let table = try await sandbox.ctl("node", "info", "hv1")
            #expect(table.status == 0)
            #expect(table.stdout.contains("/daemonstate"))
            #expect(table.stdout.contains("not UTF-8"))

            let missing = try await sandbox.ctl("node", "info", "nosuch")
            #expect(missing.status != 0)
            #expect(missing.stderrLines.count == 1)
            #expect(missing.stderr.contains("nosuch"))
        }
    }

    @Test("PVC_ZK stands in for --zk")
    func environmentConnectString() async throws {
        try await withSandbox { sandbox in
            let run = try await Pvcctl.run(["cluster", "status", "--format", "json"],
                                           environment: ["PVC_ZK": sandbox.zk])
            #expect(run.status == 0, "stderr: \(run.stderr)")
            let object = try #require(try parseJSON(run.stdout) as? [String: Any])
            #expect(object["schema_version"] is NSNull)
            #expect(object["node_count"] as? Int == 0)
        }
    }
}

@Suite("pvcctl errors")
struct PvcctlErrorTests {
    @Test("a refused connection: one clear line, non-zero, within the deadline")
    func refused() async throws {
        let run = try await Pvcctl.run(["node", "list", "--zk", "127.0.0.1:1", "--timeout", "2"])
        #expect(run.status != 0)
        #expect(run.stdout.isEmpty)
        #expect(run.stderrLines.count == 1)
        #expect(run.stderr.contains("cannot connect to ZooKeeper at 127.0.0.1:1"))
        #expect(run.elapsed < .seconds(60))
    }

    @Test("a server that never answers: one clear line, non-zero, within the deadline")
    func blackhole() async throws {
        // A loopback socket that listens but never speaks: the kernel completes the handshake, and
        // the client waits for a ZooKeeper answer that never comes.
        let silent = try SilentListener()
        defer { silent.close() }
        let run = try await Pvcctl.run(["cluster", "status", "--zk", "127.0.0.1:\(silent.port)", "--timeout", "2"])
        #expect(run.status != 0)
        #expect(run.stderrLines.count == 1)
        #expect(run.stderr.contains("cannot connect to ZooKeeper"))
        #expect(run.elapsed < .seconds(60))
    }

    @Test("a chroot that does not exist is a connection error")
    func missingChroot() async throws {
        let hosts = try await SharedTestZooKeeper.connectString()
        let run = try await Pvcctl.run(["cluster", "status", "--zk", hosts + "/pvcctl-nonexistent-" + UUID().uuidString])
        #expect(run.status != 0)
        #expect(run.stderrLines.count == 1)
        #expect(run.stderr.contains("chroot"))
    }

    @Test("no connect string, or a malformed one, is an error before any connection")
    func noConnectString() async throws {
        let none = try await Pvcctl.run(["node", "list", "--standard-config", absentConfigPath()])
        #expect(none.status != 0)
        #expect(none.stderr.contains("PVC_ZK"))
        let bad = try await Pvcctl.run(["node", "list", "--zk", "127.0.0.1:2181/a//b"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("chroot"))
    }
}

/// A TCP socket on 127.0.0.1 that accepts connections (in the kernel's backlog) and never answers.
final class SilentListener: Sendable {
    let fd: Int32
    let port: UInt16

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PvcctlTestError("socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            Glibc.close(fd)
            throw PvcctlTestError("bind/listen: errno \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        port = UInt16(bigEndian: address.sin_port)
    }

    func close() {
        Glibc.close(fd)
    }
}

struct PvcctlTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
