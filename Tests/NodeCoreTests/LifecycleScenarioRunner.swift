import ClusterSchema
import Coordination
import NodeCore

/// Drives a `NodeLifecycle` from scenario commands and prints its directives:
///
///     node NAME coordinator|hypervisor [schema=N]
///     started new|existing now=T
///     tick now=T [memtotal=M memused=M memfree=M memalloc=M memprov=M vcpus=N load=L running=U,U]
///     shutdown now=T
///     ok|fail registration|keepalive|shutdown|stop
struct LifecycleScenarioRunner {
    enum Problem: Error, CustomStringConvertible {
        case bad(String)
        var description: String {
            switch self {
            case .bad(let line): return "cannot run '\(line)'"
            }
        }
    }

    private var lifecycle: NodeLifecycle?
    private let catalog: SchemaCatalog

    init() throws {
        catalog = try SchemaCatalog.bundled()
    }

    /// nil for a command that only sets the scene.
    mutating func run(_ line: String) throws -> [String]? {
        let words = line.split(separator: " ").map(String.init)
        guard let verb = words.first else { throw Problem.bad(line) }
        var options: [String: String] = [:]
        for word in words.dropFirst() {
            let pair = word.split(separator: "=", maxSplits: 1).map(String.init)
            if pair.count == 2 { options[pair[0]] = pair[1] }
        }
        if verb == "node" {
            guard words.count >= 3, let role = NodeRole(rawValue: words[2]) else { throw Problem.bad(line) }
            let version = Int(options["schema"] ?? "") ?? 15
            let identity = NodeIdentity(name: words[1], role: role, staticData: "4 6.1.0-28-amd64 GNU/Linux x86_64",
                                        pvcVersion: "0.9.103-swift", ipmiHostname: "\(words[1])-lom",
                                        ipmiUsername: "admin", ipmiPassword: "secret",
                                        activeSchema: version, latestSchema: 15)
            lifecycle = NodeLifecycle(identity: identity,
                                      paths: try NodePaths(schema: catalog.schema(version), node: words[1]))
            return nil
        }
        guard var current = lifecycle else { throw Problem.bad(line) }
        let now = Int(options["now"] ?? "") ?? 0
        let directives: [Directive]
        switch verb {
        case "started":
            directives = current.onStarted(nodeExists: words.count > 1 && words[1] == "existing", now: now)
        case "tick":
            directives = current.onKeepaliveTick(Self.stats(options), now: now)
        case "shutdown":
            directives = current.onShutdownRequested(Self.stats(options), now: now)
        case "ok", "fail":
            guard words.count > 1, let purpose = WritePurpose(rawValue: words[1]) else { throw Problem.bad(line) }
            directives = verb == "ok" ? current.onWriteSucceeded(purpose) : current.onWriteFailed(purpose)
        default:
            throw Problem.bad(line)
        }
        lifecycle = current
        return directives.flatMap(Self.describe) + ["phase: \(current.phase), committed: \(current.committedState?.rawValue ?? "none")"]
    }

    private static func stats(_ options: [String: String]) -> KeepaliveStats {
        func number(_ key: String) -> Int { Int(options[key] ?? "") ?? 0 }
        return KeepaliveStats(
            memTotalMiB: number("memtotal"), memUsedMiB: number("memused"), memFreeMiB: number("memfree"),
            memAllocatedMiB: number("memalloc"), memProvisionedMiB: number("memprov"),
            vcpuAllocated: number("vcpus"), cpuLoad: options["load"] ?? "0.0",
            domainsCount: number("domains"),
            runningDomains: options["running"].map { $0.split(separator: ",").map(String.init) } ?? [])
    }

    static func describe(_ directive: Directive) -> [String] {
        switch directive {
        case .write(let purpose, let operations):
            return ["write \(purpose.rawValue)"] + operations.map { "  " + describe($0) }
        case .retryStartup:
            return ["retry startup"]
        case .closeSession:
            return ["close session"]
        }
    }

    static func describe(_ operation: Operation) -> String {
        switch operation {
        case .create(let path, let data, _):
            return "create \(path) = \"\(String(decoding: data, as: UTF8.self))\""
        case .set(let path, let data, _):
            return "set \(path) = \"\(String(decoding: data, as: UTF8.self))\""
        case .delete(let path, _):
            return "delete \(path)"
        case .check(let path, let version):
            return "check \(path) version \(version)"
        }
    }
}
