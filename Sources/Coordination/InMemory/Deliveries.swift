/// What a call must tell others once it has released the server's lock: a watch's waiter or a
/// stream's termination handler may call straight back into the store.
struct Deliveries: Sendable {
    var firings: [WatchRegistry.Firing] = []
    var failures: [(signal: WatchSignal, error: CoordinationError)] = []
    var finishes: [AsyncStream<SessionState>.Continuation] = []

    mutating func fail(_ signals: [WatchSignal], with error: CoordinationError) {
        failures.append(contentsOf: signals.map { ($0, error) })
    }

    func deliver() {
        for failure in failures {
            failure.signal.fail(failure.error)
        }
        for firing in firings {
            firing.signal.fire(firing.event)
        }
        for continuation in finishes {
            continuation.finish()
        }
    }
}
