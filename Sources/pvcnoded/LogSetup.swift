import Dispatch
import Logging
import NodeConfiguration

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The daemon's log outputs from `logging.*`: stderr (`stdout_logging`, the journal's copy, in
/// colour with `log_colours`), `<path.system_log_directory>/pvcnoded.log` (`file_logging`),
/// `/logs/<node>/messages` in ZooKeeper (`zookeeper_logging`, through a `NodeLogTail`), any of
/// them at once, at debug level with `debug_logging`; and SIGHUP, which reopens the file after
/// logrotate moved it away.
struct LogSetup: Sendable {
    /// The C ZooKeeper library's label: it reports every refused connection attempt, several a
    /// second while a server is down; our connector logs each change of reachability once instead.
    static let libraryLogLabel = "pvc.zookeeper.c"

    let level: Logger.Level
    let toStandardError: Bool
    let dates: Bool
    let colours: Bool
    /// nil when file logging is off or the file could not be opened.
    let file: LogFile?
    /// nil unless `zookeeper_logging` is on.
    let nodeLog: NodeLogTail?

    /// Opens the log file if configured. A file that cannot be opened costs one line on stderr,
    /// and the daemon goes on logging to stderr only.
    init(_ settings: LoggingSettings, logFilePath: String, nodeLog: NodeLogTail? = nil) {
        level = settings.debugLogging ? .debug : .info
        dates = settings.logDates
        colours = settings.logColours
        self.nodeLog = nodeLog
        var file: LogFile?
        var toStandardError = settings.stdoutLogging
        if settings.fileLogging {
            do {
                file = try LogFile(path: logFilePath)
            } catch {
                ProcessEnvironment.writeStandardError(
                    "pvcnoded: file logging disabled, logging to stderr only: \(error)")
                toStandardError = true
            }
        }
        self.file = file
        self.toStandardError = toStandardError
    }

    func level(for label: String) -> Logger.Level {
        label == Self.libraryLogLabel && level > .debug ? .critical : level
    }

    func makeHandler(label: String) -> any LogHandler {
        let level = level(for: label)
        var handlers: [any LogHandler] = []
        if toStandardError {
            var handler = FileLogHandler(label: label, file: .standardError, dates: dates, level: level)
            handler.colours = colours
            handlers.append(handler)
        }
        if let file {
            handlers.append(FileLogHandler(label: label, file: file, dates: dates, level: level))
        }
        if let nodeLog {
            handlers.append(NodeLogHandler(tail: nodeLog, logLevel: level))
        }
        switch handlers.count {
        case 0: return SwiftLogNoOpLogHandler(label)
        case 1: return handlers[0]
        default:
            var multiplex = MultiplexLogHandler(handlers)
            multiplex.logLevel = level
            return multiplex
        }
    }

    /// Installs this setup as the process's logging system (once per process).
    func bootstrap() {
        LoggingSystem.bootstrap { label in makeHandler(label: label) }
    }

    /// Handles SIGHUP without blocking anything: a dispatch source reopens the log file (or just
    /// notes that there is none), so logrotate's `postrotate kill -HUP` never ends the daemon.
    /// The caller keeps the returned source alive and cancels it on exit; `Reexecution` puts the
    /// default disposition back before `execv`.
    func handleHangup(logger: Logger) -> any DispatchSourceSignal {
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "pvcnoded.sighup"))
        let file = file
        source.setEventHandler {
            guard let file else {
                logger.info("SIGHUP: no log file to reopen")
                return
            }
            do {
                try file.reopen()
                logger.info("log file reopened", metadata: ["path": "\(file.path ?? "stderr")"])
            } catch {
                ProcessEnvironment.writeStandardError("pvcnoded: SIGHUP: \(error); still writing to the previous file")
            }
        }
        source.resume()
        return source
    }
}
