import CZooKeeper
import Logging
import Synchronization

/// Routes the C library's log lines into swift-log. The library's callback has no context
/// argument, so the logger is global. While no server answers, the library logs a reconnect
/// attempt tens of times a second; more than `linesPerSecond` lines in a second are counted and
/// reported in one line instead.
enum LibraryLog {
    static let linesPerSecond = 20
    private static let logger = Logger(label: "pvc.zookeeper.c")

    private struct Window {
        var start: ContinuousClock.Instant = .now
        var lines = 0
        var suppressed = 0
    }

    private static let window = Mutex(Window())

    static let callback: log_callback_fn = { message in
        guard let message else { return }
        LibraryLog.log(String(cString: message))
    }

    static func log(_ raw: String) {
        let now = ContinuousClock.now
        let (allowed, suppressedBefore): (Bool, Int) = window.withLock { window in
            if now - window.start >= .seconds(1) {
                let suppressed = window.suppressed
                window = Window(start: now, lines: 1, suppressed: 0)
                return (true, suppressed)
            }
            window.lines += 1
            if window.lines > linesPerSecond {
                window.suppressed += 1
                return (false, 0)
            }
            return (true, 0)
        }
        if suppressedBefore > 0 {
            logger.warning("ZooKeeper C client: \(suppressedBefore) log lines suppressed in the last second")
        }
        guard allowed else { return }
        let text = raw.hasSuffix("\n") ? String(raw.dropLast()) : raw
        if text.contains(":ZOO_ERROR@") {
            logger.error("\(text)")
        } else if text.contains(":ZOO_WARN@") {
            logger.warning("\(text)")
        } else if text.contains(":ZOO_DEBUG@") {
            logger.debug("\(text)")
        } else {
            logger.info("\(text)")
        }
    }
}
