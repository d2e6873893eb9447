import ArgumentParser
import ClusterSchema
import Coordination
import Foundation

/// The coordinator role an operator asks a node to take.
enum CoordinatorRole: String, Sendable {
    case primary
    case secondary
}

/// What `node primary` and `node secondary` take besides the global options.
struct RoleChangeOptions: ParsableArguments {
    @Argument(help: "The coordinator's name (default: this node, from its config file).")
    var name: String?

    @Flag(help: "Wait until the router states have settled (bounded by --timeout, default 30 s).")
    var wait = false

    // A test hook: the compare-and-set's refusal cannot be timed from outside (the window between
    // the checks and the write is a few milliseconds), so tests hand in a stale version instead.
    @Option(name: .customLong("expect-version"), help: .hidden)
    var expectVersion: Int32?
}

/// `pvc node primary [NAME]`: PVC's API writes NAME into `/config/primary_node`; the coordinators
/// hand over among themselves.
struct NodePrimary: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "primary",
        abstract: "Make a coordinator the primary (writes its name into /config/primary_node).",
        discussion: """
            Refused unless the node exists, is a coordinator, has daemonstate 'run' and is not \
            already primary. With --wait, returns once its routerstate is 'primary' and no node is \
            in 'takeover' or 'relinquish'.
            """)

    @OptionGroup var options: GlobalOptions
    @OptionGroup var request: RoleChangeOptions

    func run() async throws {
        try await RoleChange(role: .primary, options: options, request: request).run()
    }
}

/// `pvc node secondary [NAME]`: PVC's API writes `none` into `/config/primary_node`; the other
/// coordinators in `run` contend for it.
struct NodeSecondary: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secondary",
        abstract: "Make the primary coordinator secondary (writes 'none' into /config/primary_node).",
        discussion: """
            Refused unless the node exists, is a coordinator, has daemonstate 'run', is not already \
            secondary, and another coordinator is in 'run' to take over. With --wait, returns once \
            its routerstate is 'secondary', exactly one other node is 'primary', and none is in \
            'takeover' or 'relinquish'.
            """)

    @OptionGroup var options: GlobalOptions
    @OptionGroup var request: RoleChangeOptions

    func run() async throws {
        try await RoleChange(role: .secondary, options: options, request: request).run()
    }
}

/// One node's keys that the role change reads; nil is missing or not UTF-8.
struct RouterView: Sendable, Equatable {
    var name: String
    var mode: String?
    var daemonState: String?
    var routerState: String?

    var isCoordinator: Bool { mode == "coordinator" }
}

/// The checks, the write and the wait of `node primary|secondary`.
struct RoleChange: Sendable {
    let role: CoordinatorRole
    let name: String
    let wait: Bool
    let expectVersion: Int32?
    let waitLimit: Duration
    let format: OutputFormat
    let options: GlobalOptions

    init(role: CoordinatorRole, options: GlobalOptions, request: RoleChangeOptions) throws {
        self.role = role
        name = try options.nodeName(request.name)
        wait = request.wait
        expectVersion = request.expectVersion
        waitLimit = .milliseconds(Int64((options.timeout ?? 30) * 1000))
        format = options.format
        self.options = options
    }

    /// The routerstates of a hand-over in progress.
    static let transitional: Set<String> = ["takeover", "relinquish"]

    /// What was found, written, and (with --wait) seen settle.
    struct Outcome: Sendable {
        var key: String
        var before: String?
        var written: String
        var warnings: [String]
        var settled: (elapsed: Duration, nodes: [RouterView])?
    }

    func run() async throws {
        let schema = try Schema.current()
        let paths = try Paths(schema)
        let outcome = try await withStore(options) { store -> Outcome in
            let checked = try await check(store, paths: paths, schema: schema)
            let value = role == .primary ? name : "none"
            let started = ContinuousClock.now
            try await Self.write(value, to: paths.primaryNode, in: store,
                                 expectedVersion: expectVersion ?? checked.version, previous: checked.value)
            var outcome = Outcome(key: paths.primaryNode, before: checked.value, written: value,
                                  warnings: checked.warnings)
            if wait {
                let nodes = try await waitUntilSettled(store, paths: paths, schema: schema,
                                                       deadline: started + waitLimit, started: started)
                outcome.settled = (ContinuousClock.now - started, nodes)
            }
            return outcome
        }
        try report(outcome)
    }

    struct Paths: Sendable {
        let primaryNode: String
        let nodes: String

        init(_ schema: SchemaVersion) throws {
            primaryNode = try Schema.path(schema, "base.config.primary_node")
            nodes = try Schema.path(schema, "base.node")
        }
    }

    /// `/config/primary_node` as read before the checks: its version is what the write compares.
    struct Checked: Sendable {
        var value: String?
        var version: Int32
        var warnings: [String]
    }

    /// PVC's API checks, in its order, then ours (another coordinator must be able to take over).
    /// The key is read first so that its version covers everything checked after it.
    func check(_ store: any CoordinationStore, paths: Paths, schema: SchemaVersion) async throws -> Checked {
        let key: NodeData
        do {
            key = try await store.get(paths.primaryNode)
        } catch let error as CoordinationError where error.code == .noNode {
            throw CtlError("the cluster is not initialized (no \(paths.primaryNode)); run 'pvcctl cluster init'")
        } catch let error as CoordinationError {
            throw CtlError("cannot read \(paths.primaryNode): \(error)")
        }
        let nodePath = try Schema.path(schema, "node", item: name)
        guard try await store.exists(nodePath) != nil else {
            throw CtlError("no node '\(name)' in the cluster (\(nodePath) does not exist); nothing written")
        }
        let nodes = try await Self.readNodes(store, paths: paths, schema: schema)
        let view = nodes.first { $0.name == name } ?? RouterView(name: name)
        guard view.isCoordinator else {
            throw CtlError("'\(name)' is not a coordinator (daemonmode \(Self.shown(view.mode))); "
                + "only coordinators take the primary or secondary role; nothing written")
        }
        guard view.daemonState == "run" else {
            throw CtlError("node '\(name)' is not active (daemonstate \(Self.shown(view.daemonState)), "
                + "must be 'run'); nothing written")
        }
        guard view.routerState != role.rawValue else {
            throw CtlError("node '\(name)' is already \(role.rawValue) (routerstate \(role.rawValue)); nothing written")
        }
        if role == .secondary {
            let others = nodes.filter { $0.name != name && $0.isCoordinator && $0.daemonState == "run" }
            guard !others.isEmpty else {
                throw CtlError("no other coordinator is in daemonstate 'run', so nobody could take over from "
                    + "'\(name)' (the request would only sit in \(paths.primaryNode)); nothing written")
            }
        }
        var warnings: [String] = []
        let value = key.text
        if value == nil {
            warnings.append("\(paths.primaryNode) held \(key.data.count) bytes that are not UTF-8 text; replaced")
        } else if let value, value != "none", !value.isEmpty, !nodes.contains(where: { $0.name == value }) {
            warnings.append("\(paths.primaryNode) held '\(Output.cell(value))', which names no node; replaced")
        }
        return Checked(value: value, version: key.stat.version, warnings: warnings)
    }

    /// Writes `value` only if the key is still at `expectedVersion`: a node's contention, its
    /// keepalive or another client may have changed it since the checks, and then the checks no
    /// longer hold.
    static func write(_ value: String, to path: String, in store: any CoordinationStore,
                      expectedVersion: Int32, previous: String?) async throws {
        do {
            _ = try await store.set(path, data: Array(value.utf8), version: expectedVersion)
        } catch let error as CoordinationError where error.code == .badVersion {
            // Only to say what the key holds now; the refusal stands even if this read fails.
            let now = try? await store.get(path)
            let current = now.map { "'\(Output.cell($0.text))' at version \($0.stat.version)" } ?? "unreadable"
            throw CtlError("\(path) changed while pvcctl checked it (was \(shown(previous)) at version "
                + "\(expectedVersion), now \(current)); nothing written, check the cluster and try again")
        } catch let error as CoordinationError where error.code == .noNode {
            throw CtlError("\(path) was deleted while pvcctl checked it; nothing written")
        }
    }

    /// Every node's mode and states (lock contenders are not nodes), sorted by name.
    static func readNodes(_ store: any CoordinationStore, paths: Paths, schema: SchemaVersion,
                          watch: WatchSignal? = nil) async throws -> [RouterView] {
        let names: [String]
        do {
            names = try await store.children(paths.nodes, watch: watch).filter { !PathRules.isLockContender($0) }
        } catch let error as CoordinationError where error.code == .noNode {
            names = []
        }
        var keys: [String: (mode: String, daemon: String, router: String)] = [:]
        for name in names {
            keys[name] = (try Schema.path(schema, "node.mode", item: name),
                          try Schema.path(schema, "node.state.daemon", item: name),
                          try Schema.path(schema, "node.state.router", item: name))
        }
        let values = try await store.texts(keys.values.flatMap { [$0.mode, $0.daemon] })
        // The router states carry the watch: they are what --wait waits on.
        let routers = try await withThrowingTaskGroup(of: (String, String?).self) { group in
            for (name, key) in keys {
                group.addTask { (name, try await routerState(key.router, in: store, watch: watch)) }
            }
            var routers: [String: String] = [:]
            for try await (name, state) in group { routers[name] = state }
            return routers
        }
        return names.sorted().compactMap { name in
            keys[name].map { key in
                RouterView(name: name, mode: values[key.mode], daemonState: values[key.daemon],
                           routerState: routers[name])
            }
        }
    }

    private static func routerState(_ path: String, in store: any CoordinationStore,
                                    watch: WatchSignal?) async throws -> String? {
        do {
            return try await store.get(path, watch: watch).text
        } catch let error as CoordinationError where error.code == .noNode {
            // A get on a missing key arms nothing; exists does, and fires when the key appears.
            _ = try await store.exists(path, watch: watch)
            return nil
        }
    }

    /// Whether the hand-over asked for is over.
    static func isSettled(_ role: CoordinatorRole, name: String, nodes: [RouterView]) -> Bool {
        if nodes.contains(where: { $0.routerState.map(transitional.contains) ?? false }) { return false }
        guard nodes.first(where: { $0.name == name })?.routerState == role.rawValue else { return false }
        switch role {
        case .primary:
            return true
        case .secondary:
            return nodes.filter { $0.name != name && $0.routerState == "primary" }.count == 1
        }
    }

    /// Reads every node's router state with one watch armed on all of them and on `/nodes`, and
    /// waits for it to fire; the wait is capped at 0.5 s so that a change the watches cannot see
    /// (a node whose keys appear in pieces) is still noticed. Throws when `deadline` passes.
    private func waitUntilSettled(_ store: any CoordinationStore, paths: Paths, schema: SchemaVersion,
                                  deadline: ContinuousClock.Instant,
                                  started: ContinuousClock.Instant) async throws -> [RouterView] {
        while true {
            let signal = WatchSignal()
            let nodes = try await Self.readNodes(store, paths: paths, schema: schema, watch: signal)
            if Self.isSettled(role, name: name, nodes: nodes) { return nodes }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else {
                // Context for the message; the timeout is the error even if this read fails.
                let key = (try? await store.get(paths.primaryNode)).map { Self.shown($0.text) } ?? "unreadable"
                throw CtlError("'\(name)' did not become \(role.rawValue) within "
                    + "\(Self.seconds(ContinuousClock.now - started)) s: routerstates "
                    + Self.describe(nodes) + "; \(paths.primaryNode) is \(key)")
            }
            do {
                _ = try await signal.wait(timeout: min(remaining, .milliseconds(500)))
            } catch let error as CoordinationError where error.code == .operationTimeout {
                // The poll's turn: read again.
            }
        }
    }

    /// "hv1 secondary, hv2 takeover": every coordinator, and any other node caught mid hand-over.
    static func describe(_ nodes: [RouterView]) -> String {
        let shownNodes = nodes.filter { $0.isCoordinator || ($0.routerState.map(transitional.contains) ?? false) }
        if shownNodes.isEmpty { return "(no coordinator)" }
        return shownNodes.map { "\($0.name) \(shown($0.routerState, quoted: false))" }.joined(separator: ", ")
    }

    static func shown(_ value: String?, quoted: Bool = true) -> String {
        guard let value else { return "missing or not UTF-8" }
        return quoted ? "'\(Output.cell(value))'" : Output.cell(value)
    }

    static func seconds(_ duration: Duration) -> String {
        String(format: "%.2f", secondsValue(duration))
    }

    static func secondsValue(_ duration: Duration) -> Double {
        let (whole, fraction) = duration.components
        return Double(whole) + Double(fraction) / 1e18
    }

    private func report(_ outcome: Outcome) throws {
        for warning in outcome.warnings {
            FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
        }
        switch format {
        case .table:
            print("Setting node \(name) in \(role.rawValue) coordinator mode "
                + "(\(outcome.key) \(Self.shown(outcome.before)) -> '\(outcome.written)')")
            if let settled = outcome.settled {
                var line = "\(name) is \(role.rawValue) after \(Self.seconds(settled.elapsed)) s"
                if role == .secondary, let primary = settled.nodes.first(where: { $0.routerState == "primary" }) {
                    line += "; \(primary.name) is primary"
                }
                print(line)
            }
        case .json:
            var object: [String: Any] = [
                "node": name,
                "role": role.rawValue,
                "primary_node_before": Output.jsonValue(outcome.before),
                "primary_node": outcome.written,
                "waited": outcome.settled != nil,
            ]
            if let settled = outcome.settled {
                object["seconds"] = (Self.secondsValue(settled.elapsed) * 1000).rounded() / 1000
                var states: [String: Any] = [:]
                for node in settled.nodes { states[node.name] = Output.jsonValue(node.routerState) }
                object["routerstates"] = states
            }
            print(try Output.json(object))
        }
    }
}

extension RouterView {
    init(name: String) {
        self.init(name: name, mode: nil, daemonState: nil, routerState: nil)
    }
}
