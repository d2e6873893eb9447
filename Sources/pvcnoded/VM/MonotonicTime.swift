/// Milliseconds since the daemon started, on the monotonic clock: the `now` the VM cores take.
/// Wall-clock jumps (NTP, an operator's `date`) must not shorten a shutdown timeout.
struct MonotonicTime: Sendable {
    let origin: ContinuousClock.Instant

    init(origin: ContinuousClock.Instant = .now) {
        self.origin = origin
    }

    var now: Int { origin.duration(to: .now).wholeMilliseconds }

    func instant(at milliseconds: Int) -> ContinuousClock.Instant {
        origin.advanced(by: .milliseconds(milliseconds))
    }
}

extension Duration {
    /// Whole milliseconds, rounded down (what the cores and the log lines count in).
    var wholeMilliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
