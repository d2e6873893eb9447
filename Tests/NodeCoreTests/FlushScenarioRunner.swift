import NodeCore
import ScenarioTesting

/// Drives one `NodeFlush` or `NodeReady` from scenario commands. VMs are named; a VM's UUID is
/// `u-NAME` unless given.
///
///     flush NODE [parallel=N] [retries=N] [deadline=SECONDS]
///     ready NODE [parallel=N] [retries=N] [deadline=SECONDS]
///     vm NAME state=S node=N [lastnode=L] [autostart=True] [mem=MIB] [vcpus=N] [limit=A,B] [selector=S] [uuid=U]
///     start at=T
///     candidates NAME:DAEMONSTATE:DOMAINSTATE:MEMFREE[:MEMUSED:MEMPROV:LOAD:VCPUS:VMS] ... [selector=S|missing] at=T
///     written NAME [error=WORDS_WITH_UNDERSCORES] at=T
///     record NAME state=S node=N [lastnode=L] at=T
///     tick at=T
///     cancel at=T
///
/// `-` in a candidate field is a missing key. The `vm` lines set the scene; `start` builds the
/// core from them and starts it.
struct FlushScenarioRunner: ScenarioRunner {
    private var kind = "flush"
    private var node = ""
    private var settings = FlushSettings(attemptDeadline: 300_000)
    private var pending: [FlushVM] = []
    private var flush: NodeFlush?
    private var ready: NodeReady?
    private var names: [String: String] = [:]

    mutating func run(_ command: ScenarioCommand) throws -> [String]? {
        let verb = try command.word(0, "a verb")
        switch verb {
        case "flush", "ready":
            kind = verb
            node = try command.word(1, "the node")
            settings = FlushSettings(maxParallel: command.options["parallel"].flatMap(Int.init) ?? 4,
                                     maxRetries: command.options["retries"].flatMap(Int.init) ?? 3,
                                     attemptDeadline: (command.options["deadline"].flatMap(Int.init) ?? 300) * 1000)
            pending = []
            flush = nil
            ready = nil
            names = [:]
            return nil
        case "vm":
            let name = try command.word(1, "the name")
            let uuid = command.options["uuid"] ?? "u-\(name)"
            names[uuid] = name
            pending.append(FlushVM(
                uuid: uuid, name: name, state: VMState(rawValue: try command.string("state")),
                node: try command.string("node"), lastNode: command.options["lastnode"] ?? "",
                autostart: FlushVM.autostart(fromText: command.options["autostart"]),
                memoryMiB: command.options["mem"].flatMap(Int.init) ?? 1024,
                vcpus: command.options["vcpus"].flatMap(Int.init) ?? 2,
                nodeLimit: command.options["limit"], nodeSelector: command.options["selector"]))
            return nil
        default:
            break
        }
        let now = command.options["at"] == nil ? 0 : try command.milliseconds("at")
        if verb == "start" {
            if kind == "flush" {
                flush = NodeFlush(node: node, settings: settings, vms: pending)
            } else {
                ready = NodeReady(node: node, settings: settings, vms: pending)
            }
        }
        guard flush != nil || ready != nil else { throw ScenarioCommand.Problem("'\(command.line)': not started") }
        let directives = try feed(command, verb: verb, now: now)
        return directives.map(describe) + [status()]
    }

    private mutating func feed(_ command: ScenarioCommand, verb: String, now: Int) throws -> [FlushDirective] {
        func uuid(_ index: Int) throws -> String {
            let name = try command.word(index, "a VM name")
            return names.first { $0.value == name }?.key ?? name
        }
        switch verb {
        case "start":
            return flush?.onStart(now: now) ?? ready!.onStart(now: now)
        case "candidates":
            let candidates = try command.words.dropFirst().map(Self.candidate)
            let selector = command.options["selector"] ?? "mem"
            guard flush != nil else { throw ScenarioCommand.Problem("'\(command.line)': a ready reads no nodes") }
            return flush!.onCandidates(candidates, clusterSelector: selector == "missing" ? nil : selector, now: now)
        case "written":
            let error = command.options["error"].map { $0.replacing("_", with: " ") }
            let id = try uuid(1)
            return flush?.onWritten(uuid: id, error: error, now: now) ?? ready!.onWritten(uuid: id, error: error, now: now)
        case "record":
            let id = try uuid(1)
            let state = VMState(rawValue: try command.string("state"))
            let vmNode = try command.string("node")
            let lastNode = command.options["lastnode"] ?? ""
            return flush?.onRecord(uuid: id, state: state, node: vmNode, lastNode: lastNode, now: now)
                ?? ready!.onRecord(uuid: id, state: state, node: vmNode, lastNode: lastNode, now: now)
        case "tick":
            return flush?.onTick(now: now) ?? ready!.onTick(now: now)
        case "cancel":
            return flush?.onCancelled(now: now) ?? ready!.onCancelled(now: now)
        default:
            throw ScenarioCommand.Problem("'\(command.line)': unknown verb")
        }
    }

    static func candidate(_ word: String) throws -> CandidateNode {
        let fields = word.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard fields.count >= 4 else { throw ScenarioCommand.Problem("'\(word)': name:daemon:domain:memfree[...]") }
        func field(_ index: Int) -> String? {
            index < fields.count && fields[index] != "-" ? fields[index] : nil
        }
        return CandidateNode(name: fields[0], daemonStateText: field(1), domainStateText: field(2),
                             memFreeText: field(3), memUsedText: field(4), memProvisionedText: field(5),
                             cpuLoadText: field(6), vcpuAllocatedText: field(7), runningVMsText: field(8))
    }

    // MARK: Output

    private func name(_ uuid: String) -> String { names[uuid] ?? uuid }

    private func describe(_ directive: FlushDirective) -> String {
        switch directive {
        case .note(let text): return "note: \(text)"
        case .readCandidates: return "read candidates"
        case .readRecord(let uuid): return "read \(name(uuid))"
        case .writeMigration(let uuid, let state, let node, let lastNode):
            return "write \(name(uuid)): state \(state.rawValue), node \(node), lastnode \"\(lastNode)\""
        case .writeShutdown(let uuid): return "write \(name(uuid)): state shutdown, node_autostart True"
        case .writeAutostart(let uuid, let node):
            return "write \(name(uuid)): state start, node \(node), lastnode \"\", node_autostart False"
        case .writeHome(let uuid, let node): return "write \(name(uuid)): node \(node), lastnode \"\""
        case .writeFailedReason(let uuid, let reason): return "write \(name(uuid)): failedreason \"\(reason)\""
        case .writeNotHome(let uuid, let lastNode, let reason):
            return "write \(name(uuid)): lastnode \(lastNode), failedreason \"\(reason)\""
        case .wake(let at): return "wake at \(Self.seconds(at))"
        case .writeDomainState(let state, let clear):
            return "write domainstate \(state.rawValue)\(clear ? ", runningdomains \"\"" : "")"
        }
    }

    private func status() -> String {
        let status: FlushStatus
        let vms: [FlushProgress]
        if let flush {
            (status, vms) = (flush.status, flush.vms)
        } else if let ready {
            (status, vms) = (ready.status, ready.vms)
        } else {
            return "[-]"
        }
        let state: String
        switch status {
        case .notStarted: state = "not started"
        case .running: state = "running"
        case .finished(let domainState): state = "finished \(domainState.rawValue)"
        case .cancelled: state = "cancelled"
        }
        var parts: [String] = []
        let moving = vms.filter { $0.phase.isInFlight }.map(Self.short)
        parts.append("in flight \(moving.count)/\(settings.maxParallel)" + (moving.isEmpty ? "" : ": " + moving.joined(separator: " ")))
        let queued = vms.filter { $0.phase == .queued }.map(\.vm.name)
        if !queued.isEmpty { parts.append("queued: " + queued.joined(separator: " ")) }
        let settled = vms.filter { $0.phase.isSettled }.map(Self.short)
        if !settled.isEmpty { parts.append("settled: " + settled.joined(separator: " ")) }
        return "[\(kind) \(state); \(parts.joined(separator: "; "))]"
    }

    private static func short(_ progress: FlushProgress) -> String {
        let name = progress.vm.name
        let tries = "#\(progress.attempts)"
        switch progress.phase {
        case .queued: return name
        case .waitingOut: return "\(name)=waiting"
        case .choosing: return "\(name)=choosing\(progress.attempts > 0 ? tries : "")"
        case .migrating(let target, _, let confirmed): return "\(name)→\(target)\(tries)\(confirmed ? "" : "?")"
        case .shuttingDown(_, let confirmed): return "\(name)=shutdown\(tries)\(confirmed ? "" : "?")"
        case .settled(let outcome):
            switch outcome {
            case .moved(let node): return "\(name)=moved:\(node)"
            case .shutDown: return "\(name)=shut-down"
            case .started: return "\(name)=started"
            case .reassigned: return "\(name)=on-paper"
            case .nothingToDo: return "\(name)=nothing"
            case .failed: return "\(name)=FAILED"
            }
        }
    }

    private static func seconds(_ milliseconds: Int) -> String {
        let fraction = String(milliseconds % 1000)
        return "\(milliseconds / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }
}
