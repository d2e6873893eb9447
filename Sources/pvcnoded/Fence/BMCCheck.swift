import ClusterSchema
import Coordination
import Logging
import PowerControl

/// This node's check of its own BMC (PVC's startup `verify_ipmi` and its health plugin `ipmi`):
/// reachable, credentials accepted, power reads on. The result goes where PVC's health plugins
/// publish, `/nodes/N/monitoring_data/ipmi`, so an operator (and a fencer honouring
/// `fencing.disable_on_ipmi_failure`) sees a broken BMC before a fence needs it.
struct BMCCheck: Sendable {
    let node: String
    let store: any CoordinationStore
    let schema: SchemaVersion
    /// nil when no BMC is configured: reported as such, never as reachable.
    let control: IPMIPowerControl?
    let unconfiguredReason: String
    let logger: Logger

    static let plugin = "ipmi"

    static func dataPath(schema: SchemaVersion, node: String) throws(SchemaError) -> String {
        try schema.path("node.monitoring.data", item: node, subKey: "monitoring_plugin.data", subItem: plugin)
    }

    /// Whether a published `data` document says the check failed. Only an explicit failure
    /// counts: a node that never published (an older daemon, PVC's own) is not refused a fence.
    static func reportsFailure(_ data: String?) -> Bool {
        guard let data else { return false }
        let compact = String(data.filter { !$0.isWhitespace })
        return compact.contains("\"ok\":false")
    }

    struct Result: Sendable, Equatable {
        var ok: Bool
        var message: String
    }

    func check() async -> Result {
        guard let control else { return Result(ok: false, message: unconfiguredReason) }
        do throws(PowerControlError) {
            let state = try await control.powerStatus()
            guard state == .on else {
                return Result(ok: false, message: "BMC \(control) reports this running node's power \(state.rawValue)")
            }
            return Result(ok: true, message: "BMC \(control) reachable, power on")
        } catch {
            return Result(ok: false, message: "BMC \(control) check failed: \(error)")
        }
    }

    /// Checks, logs a change, publishes. `previous` is the last result, for logging changes once.
    func checkAndPublish(previous: Result?) async -> Result {
        let started = ContinuousClock.now
        let result = await check()
        let runtime = ContinuousClock.now - started
        if result != previous {
            if result.ok {
                logger.info("BMC check: \(result.message)")
            } else {
                logger.warning("BMC check: \(result.message); fencing this node will fail until it is corrected")
            }
        }
        await publish(result, runtime: runtime)
        return result
    }

    /// At startup, then every `interval` (zero: startup only) until cancelled.
    func runPeriodically(every interval: Duration) async {
        var previous = await checkAndPublish(previous: nil)
        guard interval > .zero else { return }
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            if Task.isCancelled { return }
            previous = await checkAndPublish(previous: previous)
        }
    }

    private func publish(_ result: Result, runtime: Duration) async {
        do {
            let root = try schema.path("node.monitoring.data", item: node, subKey: "monitoring_plugin.name", subItem: Self.plugin)
            func key(_ name: String) throws(SchemaError) -> String {
                try schema.path("node.monitoring.data", item: node, subKey: "monitoring_plugin.\(name)", subItem: Self.plugin)
            }
            // PVC's "0.00" seconds.
            let hundredths = runtime.wholeMilliseconds / 10
            let values: [(String, String)] = [
                (try key("last_run"), String(ProcessEnvironment.epochSeconds)),
                // PVC's health plugins lower the node's health by their delta; a dead BMC is worth 10.
                (try key("health_delta"), result.ok ? "0" : "10"),
                (try key("message"), result.message),
                (try key("data"), JSONValue.object(["ok": .bool(result.ok), "message": .string(result.message)]).rendered),
                (try key("runtime"), "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"),
            ]
            if try await store.exists(root) == nil {
                _ = try await store.multi([.create(root, data: Array(Self.plugin.utf8))]
                                          + values.map { .create($0.0, data: Array($0.1.utf8)) })
            } else {
                _ = try await store.multi(values.map { .set($0.0, data: Array($0.1.utf8)) })
            }
        } catch {
            logger.warning("BMC check: could not publish the result", metadata: ["error": "\(error)"])
        }
    }
}
