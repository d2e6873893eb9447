import NodeCore
import ScenarioTesting

/// Drives one `VMLifecycle` (one VM as one node sees it) from scenario commands:
///
///     vm UUID on NODE [timeout=SECONDS]
///     record state=S node=N [lastnode=L] [method=M] [downtime=MS] at=T
///     local running|paused|absent at=T
///     done started|requested|destroyed|migrated at=T
///     done failed reason=WORDS_WITH_UNDERSCORES at=T
///     tick at=T
struct VMScenarioRunner: ScenarioRunner {
    private var core: VMLifecycle?

    mutating func run(_ command: ScenarioCommand) throws -> [String]? {
        let verb = try command.word(0, "a verb")
        if verb == "vm" {
            let timeout = command.options["timeout"].flatMap(Int.init).map { $0 * 1000 } ?? 180_000
            core = VMLifecycle(uuid: try command.word(1, "the uuid"), node: try command.word(3, "the node"),
                               shutdownTimeout: timeout)
            return nil
        }
        guard var current = core else { throw ScenarioCommand.Problem("'\(command.line)': no vm yet") }
        let now = command.options["at"] == nil ? 0 : try command.milliseconds("at")
        let directives: [VMDirective]
        switch verb {
        case "record":
            let text = try command.string("state")
            let record = VMRecord(state: VMState(rawValue: text), node: try command.string("node"),
                                  lastNode: command.options["lastnode"] ?? "",
                                  migrationMethod: command.options["method"] ?? "none",
                                  maxDowntime: command.options["downtime"].map { Int($0) } ?? 300)
            directives = current.onRecord(record, now: now)
        case "local":
            let word = try command.word(1, "running, paused or absent")
            let local: LocalDomain = word == "running" ? .running : word == "paused" ? .paused : .absent
            directives = current.onLocal(local, now: now)
        case "done":
            let word = try command.word(1, "an outcome")
            let outcome: VMActionOutcome
            switch word {
            case "started": outcome = .started
            case "requested": outcome = .requested
            case "destroyed": outcome = .destroyed
            case "migrated": outcome = .migrated
            case "skipped": outcome = .skipped((command.options["reason"] ?? "changed").replacing("_", with: " "))
            case "aborted": outcome = .aborted((command.options["reason"] ?? "error").replacing("_", with: " "))
            default: outcome = .failed((command.options["reason"] ?? "error").replacing("_", with: " "))
            }
            directives = current.onActionFinished(outcome, now: now)
        case "tick":
            directives = current.onTick(now: now)
        default:
            throw ScenarioCommand.Problem("'\(command.line)': unknown verb")
        }
        core = current
        return directives.map(Self.describe) + [Self.status(current)]
    }

    static func status(_ core: VMLifecycle) -> String {
        let action: String
        switch core.action {
        case nil: action = "-"
        case .starting(let thenWriteStart)?: action = thenWriteStart ? "starting (restart)" : "starting"
        case .shuttingDown(let until, let then)?: action = "shutting down until \(seconds(until)), then \(then)"
        case .destroying(let then)?: action = "destroying, then \(then)"
        case .migrating(let target, let liveOnly, _)?: action = "migrating to \(target)\(liveOnly ? " (live only)" : "")"
        }
        return "[local=\(core.local) action=\(action)]"
    }

    static func describe(_ directive: VMDirective) -> String {
        switch directive {
        case .note(let text): return "note: \(text)"
        case .createDomain: return "create domain"
        case .shutdownDomain: return "shutdown domain"
        case .destroyDomain: return "destroy domain"
        case .migrateDomain(let target, let downtime, let attempts):
            return "migrate domain to \(target) (max downtime \(downtime.map(String.init) ?? "default") ms, \(attempts) attempts)"
        case .writeState(let state): return "write state \(state.rawValue)"
        case .writeFailed(let reason): return "write state fail, failedreason \"\(reason)\""
        case .clearFailedReason: return "clear failedreason"
        case .abortMigration(let lastNode): return "abort migration: state start, node here, lastnode \"\(lastNode)\""
        case .wake(let at): return "wake at \(seconds(at))"
        }
    }

    private static func seconds(_ milliseconds: Int) -> String {
        let fraction = String(milliseconds % 1000)
        return "\(milliseconds / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }
}
