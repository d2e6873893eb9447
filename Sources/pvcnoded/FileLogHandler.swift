import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A log output shared by every handler: the daemon's log file, or stderr. The file's descriptor is
/// swapped under a lock when it is reopened (SIGHUP, after logrotate moved it away), and each line
/// is one `write(2)` under that lock, so a line never goes half to the old file and half to the new.
final class LogFile: Sendable {
    /// The file's path; nil for stderr, which is never reopened or closed.
    let path: String?
    private let descriptor: Mutex<Int32>

    static let standardError = LogFile()

    private init() {
        path = nil
        descriptor = Mutex(2)
    }

    struct OpenError: Error, CustomStringConvertible {
        let path: String
        let step: String
        let reason: String
        var description: String { "cannot \(step) \(path): \(reason)" }
    }

    /// Opens (creating it and its directory if missing) `path` for appending.
    init(path: String) throws(OpenError) {
        self.path = path
        descriptor = Mutex(try Self.openFile(path))
    }

    deinit {
        guard path != nil else { return }
        descriptor.withLock { fd in
            if fd >= 0 { close(fd) }
        }
    }

    private static func openFile(_ path: String) throws(OpenError) -> Int32 {
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try makeDirectories(String(path[..<slash]))
        }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        if fd < 0 { throw OpenError(path: path, step: "open", reason: String(cString: strerror(errno))) }
        return fd
    }

    /// `mkdir -p`: each missing component in turn; one that exists already (perhaps made by a
    /// second daemon at the same moment) is fine.
    private static func makeDirectories(_ directory: String) throws(OpenError) {
        var prefix = directory.hasPrefix("/") ? "" : "."
        for component in directory.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw OpenError(path: prefix, step: "create directory", reason: String(cString: strerror(errno)))
            }
        }
    }

    /// Opens the configured path afresh and swaps it in; on failure the old file stays in use.
    /// Nothing to do for stderr.
    func reopen() throws(OpenError) {
        guard let path else { return }
        let fresh = try Self.openFile(path)
        let old = descriptor.withLock { fd in
            let old = fd
            fd = fresh
            return old
        }
        if old >= 0 { close(old) }
    }

    /// Appends one line (its bytes must end with a newline) with a single `write(2)`.
    func append(_ line: String) {
        var line = line
        line.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return }
            descriptor.withLock { fd in
                var offset = 0
                while offset < bytes.count {
                    let written = write(fd, base + offset, bytes.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        return  // a full disk or a vanished device: logging must never stop the daemon
                    }
                    offset += written
                }
            }
        }
    }
}

/// Writes each entry as one line to the shared `LogFile`:
/// `[date ]level label: key=value … message`, metadata sorted by key, the level in colour with
/// `logging.log_colours` (for a terminal; never used for the file, where codes are noise).
struct FileLogHandler: LogHandler {
    let label: String
    let file: LogFile
    let dates: Bool
    var colours = false
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, file: LogFile, dates: Bool, level: Logger.Level,
         metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.file = file
        self.dates = dates
        self.logLevel = level
        self.metadataProvider = metadataProvider
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let explicit = event.metadata { merged.merge(explicit) { $1 } }
        if let error = event.error { merged["error"] = "\(error)" }
        file.append(Self.line(date: dates ? Self.timestamp() : nil, level: event.level, label: label,
                              metadata: merged, message: "\(event.message)", colours: colours))
    }

    static func line(date: String?, level: Logger.Level, label: String, metadata: Logger.Metadata,
                     message: String, colours: Bool = false) -> String {
        var line = ""
        if let date { line += date + " " }
        line += (colours ? colour(level) + "\(level)" + "\u{1B}[0m" : "\(level)") + " \(label):"
        for key in metadata.keys.sorted() {
            if let value = metadata[key] { line += " \(key)=\(value)" }
        }
        // One entry, one line: an embedded newline would split it and could interleave with others.
        line += " " + message.replacing("\n", with: "\\n") + "\n"
        return line
    }

    /// PVC's colours: errors red, warnings yellow, notices green, debug blue, info plain.
    private static func colour(_ level: Logger.Level) -> String {
        switch level {
        case .critical, .error: "\u{1B}[31m"
        case .warning: "\u{1B}[33m"
        case .notice: "\u{1B}[32m"
        case .debug, .trace: "\u{1B}[34m"
        case .info: "\u{1B}[0m"
        }
    }

    /// Local time with milliseconds and the UTC offset, e.g. `2026-11-21T22:09:19.123+0000`.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        localtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 40)
        let first = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S", &parts)
        let main = String(decoding: buffer[0..<first].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let zoneLength = strftime(&buffer, buffer.count, "%z", &parts)
        let zone = String(decoding: buffer[0..<zoneLength].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let millis = String(now.tv_nsec / 1_000_000)
        return main + "." + String(repeating: "0", count: max(0, 3 - millis.count)) + millis + zone
    }
}
