/// Why a configuration was refused. It always names the file and, when one is to blame, the dotted key, because the
/// operator's next step is to open that file at that key; the daemon prints `description` and exits non-zero before
/// touching ZooKeeper.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// No file was named, or it could not be read.
        case unreadable
        /// Not YAML at all.
        case malformed
        /// A value of the wrong type (a string where a number belongs, a list where a word belongs).
        case mistyped
        /// The right type but an unacceptable value (a negative interval, an unknown selector).
        case invalid
        /// A required key is absent.
        case missing
    }

    public let kind: Kind
    /// As given to the parser (for the loader: the path it opened); empty only when no file was named at all.
    public let file: String
    /// Dotted path such as `timer.keepalive_interval`; nil when the file as a whole is at fault.
    public let key: String?
    public let problem: String

    public init(kind: Kind, file: String, key: String?, problem: String) {
        self.kind = kind
        self.file = file
        self.key = key
        self.problem = problem
    }

    public var description: String {
        [file.isEmpty ? nil : file, key, problem].compactMap { $0 }.joined(separator: ": ")
    }
}
