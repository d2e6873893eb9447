import NodeCore
import ScenarioTesting

/// Drives one `PrimaryContention` per node from scenario commands and prints each node's
/// decisions. The scenario delivers every event explicitly (what ZooKeeper and the shells would
/// report, to whom and when), as etcd's raft tests deliver messages:
///
///     node NAME coordinator|hypervisor [networks=upstream,cluster,storage]
///     NAME running at=T
///     NAME key value=V|- version=N at=T           (- : the key is missing; value= : empty)
///     NAME claimed won|lost|error at=T
///     NAME peers epoch=E at=T PEER=ROUTER@VERSION,DAEMONSTATE,KEEPALIVE ...
///     NAME keepalive-of PEER=KEEPALIVE|- epoch=E at=T
///     NAME liveness PEER=ROUTER@VERSION,DAEMONSTATE,KEEPALIVE[,session-live] epoch=E at=T
///     NAME entered ok|fail at=T
///     NAME marker [epoch=V] [takeover=N:P] [relinquish=N:P] at=T   (no fields: PVC's blank)
///     NAME added|removed|duties-started|duties-stopped at=T
///     NAME suspended|reconnected|expired|router-taken at=T
///     NAME tick at=T epoch=E [keepalive]
///     NAME shutdown at=T
///     NAME became-primary version=N at=T         (setup: a whole takeover with nobody else around)
///
/// Times are seconds with milliseconds (`at=1.250`); `epoch` is wall-clock seconds.
struct PrimaryScenarioRunner: ScenarioRunner {
    private var nodes: [String: PrimaryContention] = [:]

    mutating func run(_ command: ScenarioCommand) throws -> [String]? {
        let first = try command.word(0, "a node name or 'node'")
        if first == "node" {
            let name = try command.word(1, "the node's name")
            guard let role = NodeRole(rawValue: try command.word(2, "the role")) else {
                throw ScenarioCommand.Problem("'\(command.line)': unknown role")
            }
            let networks = (command.options["networks"] ?? "upstream,cluster,storage")
                .split(separator: ",").compactMap { FloatingNetwork(rawValue: String($0)) }
            nodes[name] = PrimaryContention(node: name, role: role, networks: networks)
            return nil
        }
        guard var core = nodes[first] else { throw ScenarioCommand.Problem("'\(command.line)': unknown node") }
        let event = try command.word(1, "the event")
        let now = command.options["at"] == nil ? 0 : try command.milliseconds("at")
        let directives: [PrimaryDirective]
        switch event {
        case "became-primary":
            let version = Int32(try command.int("version"))
            _ = core.onDaemonRunning(now: now)
            _ = core.onPrimaryNode(PrimaryKey(value: first, version: version), now: now)
            _ = core.onPeers([], epochNow: 0, now: now)
            _ = core.onTakeoverEntered(true, now: now)
            while core.handover != nil && core.routerState != .primary {
                let before = core
                _ = core.onAddressesAdded(now: now)
                _ = core.onDutiesStarted(now: now)
                if core == before { throw ScenarioCommand.Problem("'\(command.line)': the takeover did not finish") }
            }
            nodes[first] = core
            return nil
        case "running":
            directives = core.onDaemonRunning(now: now)
        case "key":
            let value = try command.string("value")
            let key = value == "-" ? nil : PrimaryKey(value: value, version: Int32(try command.int("version")))
            directives = core.onPrimaryNode(key, now: now)
        case "claimed":
            let outcome = try command.word(2, "won, lost or error")
            directives = core.onClaimed(outcome == "won" ? true : outcome == "lost" ? false : nil, now: now)
        case "peers":
            let peers = try command.options.keys.filter { !["at", "epoch"].contains($0) }.sorted()
                .map { try Self.peer($0, command.string($0), line: command.line) }
            directives = core.onPeers(peers, epochNow: try command.int("epoch"), now: now)
        case "liveness":
            guard let name = command.options.keys.first(where: { !["at", "epoch"].contains($0) }) else {
                throw ScenarioCommand.Problem("'\(command.line)': no peer given")
            }
            directives = core.onPrimaryLiveness(try Self.peer(name, command.string(name), line: command.line),
                                                epochNow: try command.int("epoch"), now: now)
        case "keepalive-of":
            guard let name = command.options.keys.first(where: { !["at", "epoch"].contains($0) }) else {
                throw ScenarioCommand.Problem("'\(command.line)': no peer given")
            }
            directives = core.onPrimaryKeepalive(name, keepalive: Int(try command.string(name)),
                                                 epochNow: try command.int("epoch"), now: now)
        case "entered":
            directives = core.onTakeoverEntered(try command.word(2, "ok or fail") == "ok", now: now)
        case "marker":
            var fields: [String] = []
            for field in ["epoch", "takeover", "relinquish"] {
                if let value = command.options[field] { fields.append("\(field)=\(value)") }
            }
            directives = core.onMarker(fields.joined(separator: " "), now: now)
        case "added": directives = core.onAddressesAdded(now: now)
        case "removed": directives = core.onAddressesRemoved(now: now)
        case "duties-started": directives = core.onDutiesStarted(now: now)
        case "duties-stopped": directives = core.onDutiesStopped(now: now)
        case "router-taken": directives = core.onRouterStateTaken(now: now)
        case "suspended": directives = core.onSessionSuspended(now: now)
        case "reconnected": directives = core.onSessionReconnected(now: now)
        case "expired": directives = core.onSessionExpired(now: now)
        case "tick":
            directives = core.onTick(now: now, epochNow: try command.int("epoch"),
                                     keepalive: command.words.contains("keepalive"))
        case "shutdown":
            directives = core.onShutdownRequested(now: now)
        default:
            throw ScenarioCommand.Problem("'\(command.line)': unknown event '\(event)'")
        }
        nodes[first] = core
        return directives.map { "\(first): " + Self.describe($0) } + ["\(first): " + Self.status(core)]
    }

    /// `ROUTER@VERSION,DAEMONSTATE,KEEPALIVE[@VERSION]`; `-` for a missing router state or keepalive.
    private static func peer(_ name: String, _ text: String, line: String) throws -> PeerRouter {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let router = parts[0].split(separator: "@").map(String.init)
        guard parts.count == 3 || (parts.count == 4 && parts[3] == "session-live"), router.count == 2,
              let version = Int32(router[1]) else {
            throw ScenarioCommand.Problem("'\(line)': peer \(name) is not ROUTER@VERSION,DAEMONSTATE,KEEPALIVE[,session-live]")
        }
        let keepalive = parts[2].split(separator: "@").map(String.init)
        return PeerRouter(name: name, routerState: RouterState(rawValue: router[0]), routerStateVersion: version,
                          daemonState: parts[1] == "-" ? nil : parts[1], keepalive: Int(keepalive[0]),
                          keepaliveVersion: keepalive.count == 2 ? Int32(keepalive[1]) ?? -1 : -1,
                          sessionLive: parts.count == 4)
    }

    static func status(_ core: PrimaryContention) -> String {
        let key = core.key.map { "\($0.value.isEmpty ? "(empty)" : $0.value)@\($0.version)" } ?? "?"
        let handover = core.handover.map { "\($0.side.rawValue)\($0.peer.map { " with \($0)" } ?? "")" } ?? "-"
        return "[router=\(core.routerState.rawValue) key=\(key) handover=\(handover) held=\(core.holdsRole ? "yes" : "no")]"
    }

    static func describe(_ directive: PrimaryDirective) -> String {
        func list(_ networks: [FloatingNetwork]) -> String {
            networks.isEmpty ? "(none)" : networks.map(\.rawValue).joined(separator: ",")
        }
        switch directive {
        case .note(let text): return "note: \(text)"
        case .writeRouterState(let state): return "write routerstate \(state.rawValue)"
        case .claim(let version): return "claim /config/primary_node at version \(version)"
        case .reassert(let version): return "reassert /config/primary_node at version \(version)"
        case .vacate(let version): return "vacate /config/primary_node at version \(version)"
        case .clearGonePrimary(let name, let version, let router, let keepalive):
            return "clear gone primary \(name) at version \(version) (its routerstate@\(router), keepalive@\(keepalive))"
        case .readPrimaryNode: return "read /config/primary_node"
        case .readPeers: return "read peers"
        case .checkLiveness(let name): return "check liveness of \(name)"
        case .readPeer(let name): return "read peer \(name)"
        case .enterTakeover(let checks, let clearing):
            let checked = checks.keys.sorted().map { "\($0)@\(checks[$0] ?? -1)" }.joined(separator: ",")
            return "enter takeover checking [\(checked)]" + (clearing.isEmpty ? "" : " clearing [\(clearing.joined(separator: ","))]")
        case .writeMarker(let epoch, let side, let phase): return "marker epoch=\(epoch) \(side.rawValue)=\(phase.rawValue)"
        case .watchMarker: return "watch marker"
        case .stopWatchingMarker: return "stop watching marker"
        case .addAddresses(let networks): return "add addresses \(list(networks))"
        case .removeAddresses(let networks): return "remove addresses \(list(networks))"
        case .startDuties: return "start duties"
        case .stopDuties: return "stop duties"
        case .wake(let at): return "wake at \(at / 1000).\(String(at % 1000).leftPadded(3))"
        case .shutdownReady: return "shutdown ready"
        }
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
