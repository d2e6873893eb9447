import Coordination
import NodeCore
import Prometheus

/// The node's metrics, updated by the runtime and rendered in Prometheus' text format by the
/// metrics endpoint. States are exported the Prometheus way, one gauge per state word with 1 on
/// the current one (`pvcnoded_daemon_state{state="run"} 1`), so a query need not know a code table.
final class NodeMetrics: Sendable {
    /// The session states as exported, in the order they are written.
    static let sessionStates: [SessionState] = [.connecting, .connected, .suspended, .expired, .closed]

    let registry: PrometheusCollectorRegistry
    private let daemonStates: [(DaemonState, Gauge)]
    private let sessionStateGauges: [(SessionState, Gauge)]
    private let keepaliveDuration: DurationHistogram
    private let keepaliveFailures: Counter
    private let maintenanceGauge: Gauge

    init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        let daemonDescriptor = MetricNameDescriptor(
            namespace: "pvcnoded", metricName: "daemon_state", unitName: "",
            helpText: "The node's daemon state as last committed to ZooKeeper: 1 for the current state word.")
        daemonStates = DaemonState.allCases.map { state in
            (state, registry.makeGauge(descriptor: daemonDescriptor, labels: [("state", state.rawValue)]))
        }
        let sessionDescriptor = MetricNameDescriptor(
            namespace: "pvcnoded", metricName: "zookeeper_session_state", unitName: "",
            helpText: "The daemon's ZooKeeper session state: 1 for the current one.")
        sessionStateGauges = Self.sessionStates.map { state in
            (state, registry.makeGauge(descriptor: sessionDescriptor, labels: [("state", state.description)]))
        }
        keepaliveDuration = registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "pvcnoded", metricName: "keepalive_duration", unitName: "seconds",
                helpText: "Time taken by each keepalive transaction, failed ones included."),
            buckets: [.milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10),
                      .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
                      .milliseconds(500), .seconds(1), .microseconds(2_500_000), .seconds(5), .seconds(10)])
        keepaliveFailures = registry.makeCounter(descriptor: MetricNameDescriptor(
            namespace: "pvcnoded", metricName: "keepalive_failures", unitName: "total",
            helpText: "Keepalive transactions that failed or got no answer within the keepalive interval."))
        maintenanceGauge = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "pvc", metricName: "cluster_maintenance", unitName: "",
            helpText: "1 while /config/maintenance is on (PVC's metric name)."))
    }

    func maintenance(_ on: Bool) {
        maintenanceGauge.set(on ? 1.0 : 0.0)
    }

    /// The state word last committed; nil (before registration) sets every state to 0.
    func daemonState(_ current: DaemonState?) {
        for (state, gauge) in daemonStates { gauge.set(state == current ? 1.0 : 0.0) }
    }

    func sessionState(_ current: SessionState?) {
        for (state, gauge) in sessionStateGauges { gauge.set(state == current ? 1.0 : 0.0) }
    }

    func keepalive(took duration: Duration, succeeded: Bool) {
        keepaliveDuration.record(duration)
        if !succeeded { keepaliveFailures.increment() }
    }

    /// The exposition text (format 0.0.4).
    func render() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
