/// A successful parse: the settings plus what the operator should be warned about, kept together so a caller cannot
/// use the one and forget the other.
public struct LoadedConfiguration: Sendable, Equatable {
    public let configuration: NodeConfiguration
    public let warnings: [ConfigurationWarning]
    /// The file the settings came from, for log lines such as "configuration loaded from …".
    public let file: String

    public init(configuration: NodeConfiguration, warnings: [ConfigurationWarning], file: String) {
        self.configuration = configuration
        self.warnings = warnings
        self.file = file
    }
}
