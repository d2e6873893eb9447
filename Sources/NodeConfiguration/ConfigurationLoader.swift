#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds and reads the configuration file; the only I/O in this module. The environment is a parameter so tests (and
/// the daemon's argument parsing) never mutate the process environment.
public enum ConfigurationLoader {
    /// PVC's variable, set by all of its unit files; honouring it lets our daemon drop into PVC's units unchanged.
    public static let environmentVariable = "PVC_CONFIG_FILE"

    /// An explicit path (`--config`) wins over the environment, because a command line is the more deliberate choice.
    /// No default path: like PVC, we refuse to guess which file a node should run with.
    public static func locate(explicitPath: String?, environment: [String: String]) throws(ConfigurationError) -> String {
        if let explicitPath, !explicitPath.isEmpty { return explicitPath }
        if let fromEnvironment = environment[environmentVariable], !fromEnvironment.isEmpty { return fromEnvironment }
        throw ConfigurationError(
            kind: .unreadable, file: "", key: nil,
            problem: "no configuration file: pass --config FILE or set \(environmentVariable)")
    }

    public static func load(
        explicitPath: String? = nil,
        environment: [String: String] = ConfigurationLoader.processEnvironment(),
        hostname: String = Hostname.short()
    ) throws(ConfigurationError) -> LoadedConfiguration {
        let path = try locate(explicitPath: explicitPath, environment: environment)
        let text = try readText(path)
        return try NodeConfiguration.parse(yaml: text, file: path, hostname: hostname)
    }

    /// Far above any real configuration; a bigger file is a wrong path (a log, an image), not something to read in.
    static let maximumFileSize = 1 << 20

    /// The process environment from `environ`. `@usableFromInline` because it is `load`'s default argument.
    @usableFromInline
    static func processEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        // Read through an optional: a process started with an empty environment may have a null `environ`.
        let table: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = environ
        guard var entry = table else { return result }
        while let pointer = entry.pointee {
            let pair = String(cString: pointer)
            if let equals = pair.firstIndex(of: "=") {
                let name = String(pair[..<equals])
                // The first definition wins, as getenv(3) finds it.
                if result[name] == nil { result[name] = String(pair[pair.index(after: equals)...]) }
            }
            entry += 1
        }
        return result
    }

    static func readText(_ path: String) throws(ConfigurationError) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw unreadable(path, errno) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { buffer in read(descriptor, buffer.baseAddress, buffer.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw unreadable(path, errno)
            }
            if count == 0 { break }
            bytes += chunk.prefix(count)
            if bytes.count > maximumFileSize {
                throw ConfigurationError(
                    kind: .unreadable, file: path, key: nil,
                    problem: "larger than \(maximumFileSize / 1024 / 1024) MiB; is this really the configuration file?")
            }
        }
        return try decodeUTF8(bytes, file: path)
    }

    /// Invalid UTF-8 is refused with its line rather than replaced, since a replaced byte in a password or a path
    /// would fail much later and far less clearly.
    static func decodeUTF8(_ bytes: [UInt8], file: String) throws(ConfigurationError) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        var line = 1
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        decoding: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): if scalar == "\n" { line += 1 }
            case .emptyInput: break decoding
            case .error: break decoding
            }
        }
        throw ConfigurationError(
            kind: .malformed, file: file, key: nil, problem: "not UTF-8 text: invalid byte sequence at line \(line)")
    }

    private static func unreadable(_ path: String, _ code: Int32) -> ConfigurationError {
        let reason = strerror(code).map { String(cString: $0) } ?? "error \(code)"
        return ConfigurationError(kind: .unreadable, file: path, key: nil, problem: "cannot read: \(reason)")
    }
}
