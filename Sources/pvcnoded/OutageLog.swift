import Logging

/// Logs a failing step once when it starts failing and once when it recovers, so a ZooKeeper
/// outage gives two lines instead of one per keepalive.
struct OutageLog {
    var logger: Logger
    private var failing: Set<String> = []

    init(logger: Logger) {
        self.logger = logger
    }

    mutating func failed(_ step: String, _ problem: String) {
        guard failing.insert(step).inserted else {
            logger.debug("\(step) still failing", metadata: ["error": "\(problem)"])
            return
        }
        logger.warning("\(step) failing", metadata: ["error": "\(problem)"])
    }

    mutating func succeeded(_ step: String) {
        if failing.remove(step) != nil { logger.notice("\(step) recovered") }
    }
}
