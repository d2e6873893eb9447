import Foundation

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
        environment: [String: String] = ProcessInfo.processInfo.environment,
        hostname: String = Hostname.short()
    ) throws(ConfigurationError) -> LoadedConfiguration {
        let path = try locate(explicitPath: explicitPath, environment: environment)
        let text: String
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard let decoded = String(data: data, encoding: .utf8) else {
                throw ConfigurationError(kind: .malformed, file: path, key: nil, problem: "not UTF-8 text")
            }
            text = decoded
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(
                kind: .unreadable, file: path, key: nil, problem: "cannot read: \(error.localizedDescription)")
        }
        return try NodeConfiguration.parse(yaml: text, file: path, hostname: hostname)
    }
}
