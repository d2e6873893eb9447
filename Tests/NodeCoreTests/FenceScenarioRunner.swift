import NodeCore
import ScenarioTesting

/// Drives `FenceMonitor`s (one per coordinator), a `PowerCycle` and a `SelfFence` from scenario
/// commands; every event is delivered explicitly, as ZooKeeper, the BMC and the clock would:
///
///     settings [keepalive=S] [fence-intervals=N] [saving-throws=N] [successful=migrate|none]
///              [failed=migrate|none] [self-fence=N] [disable-on-ipmi-failure=yes|no]
///     fencer NAME
///     NAME running|tick|wake|suspended|reconnected at=T
///     NAME scan epoch=E at=T PEER=STATE@VERSION,KEEPALIVE@VERSION ...   (- : missing/garbage)
///     NAME lock acquired|refused at=T
///     NAME marked ok|changed at=T
///     NAME throw state=S|- [bmc=ok|failed] at=T
///     NAME throw-unreadable at=T
///     NAME power success|failure detail=WORDS_WITH_UNDERSCORES at=T
///     NAME fenced-written ok|failed at=T
///     NAME evacuated at=T
///     NAME maintenance on|off at=T
///     bmc start at=T | bmc answer done|on|off|failed at=T | bmc waited at=T
///     self start intervals=N keepalive=S at=T | self keepalive ok|failed at=T | self tick at=T
///     self maintenance on|off at=T
struct FenceScenarioRunner: ScenarioRunner {
    private var settings = FenceSettings()
    private var fencers: [String: FenceMonitor] = [:]
    private var cycle = PowerCycle()
    private var selfFence: SelfFence?

    mutating func run(_ command: ScenarioCommand) throws -> [String]? {
        let first = try command.word(0, "a subject")
        let now = command.options["at"] == nil ? 0 : try command.milliseconds("at")
        switch first {
        case "settings":
            try configure(command)
            return nil
        case "fencer":
            let name = try command.word(1, "the node")
            fencers[name] = FenceMonitor(node: name, settings: settings)
            return nil
        case "bmc":
            return try runCycle(command, now: now)
        case "self":
            return try runSelfFence(command, now: now)
        default:
            break
        }
        guard var core = fencers[first] else { throw ScenarioCommand.Problem("'\(command.line)': unknown fencer") }
        let event = try command.word(1, "the event")
        let directives: [FenceDirective]
        switch event {
        case "running": directives = core.onRunning(now: now)
        case "tick": directives = core.onTick(now: now)
        case "wake": directives = core.onWake(now: now)
        case "suspended": directives = core.onSessionSuspended(now: now)
        case "reconnected": directives = core.onSessionReconnected(now: now)
        case "scan":
            let peers = try command.options.keys.filter { !["at", "epoch"].contains($0) }.sorted()
                .map { try Self.observed($0, command.string($0), line: command.line) }
            directives = core.onScan(peers, now: now, epochNow: try command.int("epoch"))
        case "lock":
            directives = core.onLock(acquired: try command.word(2, "acquired or refused") == "acquired", now: now)
        case "marked":
            directives = core.onMarkedDead(try command.word(2, "ok or changed") == "ok", now: now)
        case "throw-unreadable":
            directives = core.onSavingThrowUnreadable(now: now)
        case "throw":
            let state = try command.string("state")
            directives = core.onSavingThrow(daemonState: state == "-" ? nil : state,
                                            bmcCheckFailed: command.options["bmc"] == "failed", now: now)
        case "power":
            let detail = (command.options["detail"] ?? "").replacingUnderscores
            directives = core.onPowerCycle(success: try command.word(2, "success or failure") == "success",
                                           detail: detail, now: now)
        case "fenced-written":
            directives = core.onFencedWritten(try command.word(2, "ok or failed") == "ok", now: now)
        case "evacuated": directives = core.onEvacuated(now: now)
        case "maintenance":
            directives = core.onMaintenance(try command.word(2, "on or off") == "on", now: now)
        default:
            throw ScenarioCommand.Problem("'\(command.line)': unknown event '\(event)'")
        }
        fencers[first] = core
        return directives.map { "\(first): " + Self.describe($0) } + ["\(first): " + Self.status(core)]
    }

    private mutating func configure(_ command: ScenarioCommand) throws {
        if command.options["keepalive"] != nil { settings.keepaliveInterval = try command.milliseconds("keepalive") }
        if command.options["fence-intervals"] != nil { settings.fenceIntervals = try command.int("fence-intervals") }
        if command.options["saving-throws"] != nil { settings.savingThrows = try command.int("saving-throws") }
        if command.options["self-fence"] != nil { settings.selfFenceIntervals = try command.int("self-fence") }
        if let word = command.options["successful"] { settings.successfulFence = try Self.recovery(word, command) }
        if let word = command.options["failed"] { settings.failedFence = try Self.recovery(word, command) }
        if let word = command.options["disable-on-ipmi-failure"] { settings.disableOnIPMIFailure = word == "yes" }
    }

    private mutating func runCycle(_ command: ScenarioCommand, now: Int) throws -> [String] {
        let verb = try command.word(1, "start, answer or waited")
        let next: PowerCycle.Next
        switch verb {
        case "start":
            cycle = PowerCycle()
            next = cycle.start(now: now)
        case "waited":
            next = cycle.onWaited(now: now)
        case "answer":
            let word = try command.word(2, "done, on, off or failed")
            let answer: PowerCycle.Answer = switch word {
            case "done": .done
            case "on": .power(on: true)
            case "off": .power(on: false)
            default: .failed(word)
            }
            next = cycle.onAnswer(answer, now: now)
        default:
            throw ScenarioCommand.Problem("'\(command.line)': unknown bmc event '\(verb)'")
        }
        switch next {
        case .call(let call): return ["bmc: call \(call.rawValue)"]
        case .wait(let until): return ["bmc: wait until \(Self.seconds(until))"]
        case .finished(let success, let detail): return ["bmc: \(success ? "success" : "failure"): \(detail)"]
        }
    }

    private mutating func runSelfFence(_ command: ScenarioCommand, now: Int) throws -> [String] {
        let verb = try command.word(1, "start, keepalive, tick or maintenance")
        if verb == "start" {
            selfFence = SelfFence(intervals: try command.int("intervals"), keepaliveInterval: try command.milliseconds("keepalive"),
                                  now: now)
            return ["self: limit \(Self.seconds(selfFence?.limit ?? 0))"]
        }
        guard var core = selfFence else { throw ScenarioCommand.Problem("'\(command.line)': no self start yet") }
        let directives: [SelfFence.Directive]
        switch verb {
        case "keepalive": directives = core.onKeepalive(succeeded: try command.word(2, "ok or failed") == "ok", now: now)
        case "tick": directives = core.onTick(now: now)
        case "maintenance": directives = core.onMaintenance(try command.word(2, "on or off") == "on", now: now)
        default: throw ScenarioCommand.Problem("'\(command.line)': unknown self event '\(verb)'")
        }
        selfFence = core
        return directives.map {
            switch $0 {
            case .engage(let reason): "self: engage: \(reason)"
            case .release(let reason): "self: release: \(reason)"
            }
        } + ["self: [engaged=\(core.engaged ? "yes" : "no")]"]
    }

    private static func recovery(_ word: String, _ command: ScenarioCommand) throws -> FenceSettings.Recovery {
        guard let recovery = FenceSettings.Recovery(rawValue: word) else {
            throw ScenarioCommand.Problem("'\(command.line)': '\(word)' is not migrate or none")
        }
        return recovery
    }

    /// `STATE@VERSION,KEEPALIVE@VERSION`; `-` for a missing state or a garbage keepalive.
    private static func observed(_ name: String, _ text: String, line: String) throws -> ObservedNode {
        let parts = text.split(separator: ",").map { $0.split(separator: "@").map(String.init) }
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
              let stateVersion = Int32(parts[0][1]), let keepaliveVersion = Int32(parts[1][1]) else {
            throw ScenarioCommand.Problem("'\(line)': \(name) is not STATE@VERSION,KEEPALIVE@VERSION")
        }
        return ObservedNode(name: name, daemonState: parts[0][0] == "-" ? nil : parts[0][0], daemonStateVersion: stateVersion,
                            keepalive: Int(parts[1][0]), keepaliveVersion: keepaliveVersion)
    }

    static func status(_ core: FenceMonitor) -> String {
        let phase: String = switch core.phase {
        case .idle: "idle"
        case .scanning: "scanning"
        case .locking(let candidates): "locking for \(candidates.joined(separator: ","))"
        case .marking(let victim): "marking \(victim)"
        case .savingThrows(let victim, let remaining, let nextAt): "saving throws of \(victim): \(remaining) left, next at \(seconds(nextAt))"
        case .checkingThrow(let victim, let remaining): "checking a saving throw of \(victim) (\(remaining) left)"
        case .powerCycling(let victim): "power cycling \(victim)"
        case .recordingFence(let victim): "recording the fence of \(victim)"
        case .evacuating(let victim): "evacuating \(victim)"
        }
        return "[\(phase) lock=\(core.holdsLock ? "held" : "-")\(core.maintenance ? " maintenance" : "")]"
    }

    static func describe(_ directive: FenceDirective) -> String {
        switch directive {
        case .note(let text): return "note: \(text)"
        case .scan: return "scan /nodes"
        case .acquireLock: return "acquire /config/fence_lock"
        case .releaseLock: return "release /config/fence_lock"
        case .markDead(let node, let state, let keepalive):
            return "mark \(node) dead (daemonstate@\(state), keepalive@\(keepalive))"
        case .readVictim(let node): return "read \(node)'s daemon state and BMC check"
        case .powerCycle(let node): return "power cycle \(node)"
        case .writeFenced(let node): return "write \(node) fenced"
        case .evacuate(let node, let breakLocks): return "evacuate \(node) (\(breakLocks ? "breaking" : "keeping") RBD locks)"
        case .zeroResources(let node): return "zero \(node)'s resources"
        case .wake(let at): return "wake at \(seconds(at))"
        }
    }

    static func seconds(_ millis: Int) -> String {
        let fraction = String(millis % 1000)
        return "\(millis / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }
}

private extension String {
    var replacingUnderscores: String { String(map { $0 == "_" ? " " : $0 }) }
}
