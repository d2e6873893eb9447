import ClusterSchema
import Coordination
import NodeCore
import ScenarioTesting

/// Drives a `NodeLifecycle` from scenario commands and prints its directives:
///
///     node NAME coordinator|hypervisor [schema=N]
///     started new|existing now=T
///     tick now=T [memtotal=M memused=M memfree=M memalloc=M memprov=M vcpus=N load=L running=U,U]
///     shutdown now=T
///     ok|fail registration|keepalive|shutdown|stop
///
/// and a `SchemaAgreement` from:
///
///     agreement NAME coordinator|hypervisor active=N latest=N
///     registered
///     peers version=TEXT stat=N NAME=TEXT|- ...     (- : the key is missing)
///     version TEXT|-                                 (the watch on /schema/version fired)
///     settled yes|no
///     active-written ok|fail
///     reexec-failed
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
    private var agreement: SchemaAgreement?
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
        if verb == "agreement" || Self.agreementVerbs.contains(verb) {
            return try runAgreement(verb: verb, words: words, options: options)
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

    static let agreementVerbs: Set = ["registered", "peers", "version", "settled", "active-written", "reexec-failed"]

    /// nil for the setup command.
    private mutating func runAgreement(verb: String, words: [String], options: [String: String]) throws -> [String]? {
        let line = words.joined(separator: " ")
        if verb == "agreement" {
            guard words.count >= 3, let role = NodeRole(rawValue: words[2]),
                  let active = Int(options["active"] ?? ""), let latest = Int(options["latest"] ?? "") else {
                throw Problem.bad(line)
            }
            agreement = SchemaAgreement(node: words[1], role: role, active: active, latest: latest,
                                        known: Set(catalog.versions.filter { $0 <= latest }))
            return nil
        }
        guard var current = agreement else { throw Problem.bad(line) }
        let directives: [SchemaDirective]
        switch verb {
        case "registered":
            directives = current.onRegistered()
        case "peers":
            var peers: [String: String?] = [:]
            for word in words.dropFirst() {
                let pair = word.split(separator: "=", maxSplits: 1).map(String.init)
                guard pair.count == 2, pair[0] != "version", pair[0] != "stat" else { continue }
                peers[pair[0]] = pair[1] == "-" ? String?.none : pair[1]
            }
            let version = options["version"].flatMap { $0 == "-" ? nil : $0 }
            directives = current.onPeersRead(clusterVersion: version, stat: Int32(options["stat"] ?? "") ?? 0,
                                             peers: peers)
        case "version":
            let value = words.count > 1 ? words.dropFirst().joined(separator: " ") : "-"
            directives = current.onClusterVersionChanged(value == "-" ? nil : value)
        case "settled":
            directives = current.onTreeSettled(migrated: words.count > 1 && words[1] == "yes")
        case "active-written":
            directives = current.onActiveWritten(succeeded: words.count > 1 && words[1] == "ok")
        default:
            directives = current.onReexecuteFailed()
        }
        agreement = current
        return directives.map(Self.describe) + ["agreement: \(current.phase), active \(current.active)"]
    }

    static func describe(_ directive: SchemaDirective) -> String {
        switch directive {
        case .note(let text): return "note: \(text)"
        case .readPeers: return "read peers"
        case .raiseClusterVersion(let version, let stat): return "raise /schema/version to \(version) if at stat version \(stat)"
        case .stopKeepalives: return "stop keepalives"
        case .migrateExclusively(let from, let to): return "migrate \(from) -> \(to) under the exclusive lock"
        case .awaitMigration(let to): return "await migration to \(to) on read locks"
        case .writeActive(let version): return "write activeschema \(version)"
        case .reexecute: return "re-execute"
        case .exit(let code): return "exit \(code)"
        }
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

extension LifecycleScenarioRunner: ScenarioRunner {
    mutating func run(_ command: ScenarioCommand) throws -> [String]? {
        try run(command.line)
    }
}
