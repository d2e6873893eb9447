import ArgumentParser
import ClusterSchema
import Coordination
import Foundation

/// What `node list` shows of one node; nil fields are missing or unreadable keys.
struct NodeSummary: Sendable {
    var name: String
    var daemonMode: String?
    var daemonState: String?
    var routerState: String?
    var domainState: String?
    var keepaliveAge: Int?
    var memFree: Int?
    var cpuLoad: Double?
    var domainsCount: Int?

    static let keys: [String] = [
        "node.mode", "node.state.daemon", "node.state.router", "node.state.domain", "node.keepalive",
        "node.memory.free", "node.cpu.load", "node.count.provisioned_domains",
    ]

    static func read(_ name: String, schema: SchemaVersion, store: any CoordinationStore,
                     now: Int) async throws -> NodeSummary {
        var paths: [String: String] = [:]
        for key in keys { paths[key] = try Schema.path(schema, key, item: name) }
        let values = try await store.texts(Array(paths.values))
        func value(_ key: String) -> String? { paths[key].flatMap { values[$0] } }
        let keepalive = TreeReading.integer(value("node.keepalive"))
        return NodeSummary(
            name: name,
            daemonMode: value("node.mode"),
            daemonState: value("node.state.daemon"),
            routerState: value("node.state.router"),
            domainState: value("node.state.domain"),
            keepaliveAge: keepalive.flatMap { now.subtractingReportingOverflow($0).overflow ? nil : now - $0 },
            memFree: TreeReading.integer(value("node.memory.free")),
            cpuLoad: TreeReading.number(value("node.cpu.load")),
            domainsCount: TreeReading.integer(value("node.count.provisioned_domains")))
    }

    var row: [String] {
        [Output.cell(name), Output.cell(daemonMode), Output.cell(daemonState), Output.cell(routerState),
         Output.cell(domainState), keepaliveAge.map(String.init) ?? "?", memFree.map(String.init) ?? "?",
         cpuLoad.map { String(format: "%.2f", $0) } ?? "?", domainsCount.map(String.init) ?? "?"]
    }

    static let header = ["NAME", "DAEMONMODE", "DAEMONSTATE", "ROUTERSTATE", "DOMAINSTATE", "KEEPALIVE_AGE", "MEMFREE", "CPULOAD", "DOMAINSCOUNT"]

    var json: [String: Any] {
        [
            "name": name,
            "daemonmode": Output.jsonValue(daemonMode),
            "daemonstate": Output.jsonValue(daemonState),
            "routerstate": Output.jsonValue(routerState),
            "domainstate": Output.jsonValue(domainState),
            "keepalive_age": Output.jsonValue(keepaliveAge),
            "memfree": Output.jsonValue(memFree),
            "cpuload": Output.jsonValue(cpuLoad),
            "domainscount": Output.jsonValue(domainsCount),
        ]
    }
}

struct NodeList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "One row per node: modes, states, keepalive age (s), free memory (MiB), load, domains.")

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let schema = try Schema.current()
        let nodesPath = try Schema.path(schema, "base.node")
        let now = Int(Date().timeIntervalSince1970)
        let nodes = try await withStore(options) { store -> [NodeSummary] in
            let names = try await store.items(nodesPath)
            var nodes: [NodeSummary] = []
            for name in names.sorted() {
                nodes.append(try await NodeSummary.read(name, schema: schema, store: store, now: now))
            }
            return nodes
        }
        switch options.format {
        case .table: print(Output.table(header: NodeSummary.header, rows: nodes.map(\.row)))
        case .json: print(try Output.json(nodes.map(\.json)))
        }
    }
}

/// Every key of one node, relative to the node's root ("" is the root itself).
struct NodeInfo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Every key of one node and its value.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The node's name (default: this node, from its config file).")
    var name: String?

    func run() async throws {
        let name = try options.nodeName(name)
        let schema = try Schema.current()
        let root = try Schema.path(schema, "node", item: name)
        let keys = try await withStore(options) { store -> [(String, String?, Int)] in
            var keys: [(String, String?, Int)] = []
            do {
                try await walk(root, relative: "", store: store, into: &keys)
            } catch let error as CoordinationError where error.code == .noNode && error.path == root {
                throw CtlError("no node '\(name)' in the cluster (\(root) does not exist)")
            }
            return keys
        }
        switch options.format {
        case .table:
            let rows = keys.map { key, value, size in
                [key.isEmpty ? "(root)" : key,
                 value.map { Output.cell($0, limit: 100) } ?? "? (\(size) bytes, not UTF-8)"]
            }
            print(Output.table(header: ["KEY", "VALUE"], rows: rows))
        case .json:
            var object: [String: Any] = [:]
            for (key, value, _) in keys { object[key.isEmpty ? "/" : key] = Output.jsonValue(value) }
            print(try Output.json(["name": name, "keys": object] as [String: Any]))
        }
    }

    /// Depth first, sorted; a key deleted while we walk is skipped, except the root.
    private func walk(_ path: String, relative: String, store: any CoordinationStore,
                      into keys: inout [(String, String?, Int)]) async throws {
        let node: NodeData
        do {
            node = try await store.get(path)
        } catch let error as CoordinationError where error.code == .noNode && !relative.isEmpty {
            return
        }
        keys.append((relative, node.text, node.data.count))
        for child in try await store.items(path) {
            try await walk(PathRules.join(path, child), relative: relative + "/" + child, store: store, into: &keys)
        }
    }
}
