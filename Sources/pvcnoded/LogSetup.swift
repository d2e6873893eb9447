import Dispatch
import Foundation
import Logging
import NodeConfiguration

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The daemon's log outputs from `logging.*`: stderr (`stdout_logging`, the journal's copy),
/// `<path.system_log_directory>/pvcnoded.log` (`file_logging`), both at once, at debug level with
/// `debug_logging`; and SIGHUP, which reopens the file after logrotate moved it away.
struct LogSetup: Sendable {
    /// The C ZooKeeper library's label: it reports every refused connection attempt, several a
    /// second while a server is down; our connector logs each change of reachability once instead.
    static let libraryLogLabel = "pvc.zookeeper.c"

    let level: Logger.Level
    let toStandardError: Bool
    let dates: Bool
    /// nil when file logging is off or the file could not be opened.
    let file: LogFile?

    /// Opens the log file if configured. A file that cannot be opened costs one line on stderr,
    /// and the daemon goes on logging to stderr only.
    init(_ settings: LoggingSettings, logFilePath: String) {
        level = settings.debugLogging ? .debug : .info
        dates = settings.logDates
        var file: LogFile?
        var toStandardError = settings.stdoutLogging
        if settings.fileLogging {
            do {
                file = try LogFile(path: logFilePath)
            } catch {
                FileHandle.standardError.write(Data(
                    "pvcnoded: file logging disabled, logging to stderr only: \(error)\n".utf8))
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
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            handlers.append(handler)
        }
        if let file {
            handlers.append(FileLogHandler(label: label, file: file, dates: dates, level: level))
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
                logger.info("log file reopened", metadata: ["path": "\(file.path)"])
            } catch {
                FileHandle.standardError.write(Data(
                    "pvcnoded: SIGHUP: \(error); still writing to the previous file\n".utf8))
            }
        }
        source.resume()
        return source
    }
}
