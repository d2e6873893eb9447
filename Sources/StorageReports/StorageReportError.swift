import ClusterSchema

/// Why an answer from Ceph could not be turned into what is published: the command it came from
/// and what was wrong with it, so one log line is enough to see which answer to look at.
public enum StorageReportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The command answered nothing (an empty text is never a real answer from these commands).
    case empty(command: String)
    /// The answer to a JSON command did not parse.
    case notJSON(command: String, JSONValue.ParseError)
    /// The answer parsed but lacks what every Ceph release puts there (`pools`, `osds`, `nodes`,
    /// `status`, or the table header of `osd status`).
    case unexpectedShape(command: String, String)

    public var description: String {
        switch self {
        case .empty(let command): return "\(command): empty answer"
        case .notJSON(let command, let error): return "\(command): not JSON (\(error))"
        case .unexpectedShape(let command, let what): return "\(command): \(what)"
        }
    }

    /// The command an error is about.
    public var command: String {
        switch self {
        case .empty(let command), .notJSON(let command, _), .unexpectedShape(let command, _): return command
        }
    }
}

/// The names used for commands in errors and staleness reasons, one per mon command we send.
public enum CephCommand {
    public static let status = "status"
    public static let health = "health"
    public static let dfText = "df"
    public static let dfJSON = "df (json)"
    public static let osdDump = "osd dump"
    public static let osdDF = "osd df"
    public static let osdStatus = "osd status"
    public static let poolStats = "pool stats"
}

extension JSONValue {
    /// Parses an answer of `command`, naming the command when it is not JSON.
    static func answer(_ text: String, of command: String) throws(StorageReportError) -> JSONValue {
        guard text.contains(where: { !$0.isWhitespace }) else { throw .empty(command: command) }
        do {
            return try JSONValue.parse(text)
        } catch {
            throw .notJSON(command: command, error)
        }
    }

    subscript(_ key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members[key]
    }

    var array: [JSONValue]? {
        guard case .array(let elements) = self else { return nil }
        return elements
    }

    var string: String? {
        guard case .string(let text) = self else { return nil }
        return text
    }

    /// A whole number, whether Ceph wrote it as `3` or `3.0`.
    var integer: Int? {
        switch self {
        case .integer(let value): return value
        case .number(let value): return Int(exactly: value)
        default: return nil
        }
    }

    /// A field copied into a published document: numbers, strings and booleans pass unchanged;
    /// a missing field, or one of a kind the document never holds (an object, an array), is null.
    var scalarOrNull: JSONValue {
        switch self {
        case .integer, .number, .string, .bool: return self
        case .object, .array, .null: return .null
        }
    }
}

extension Optional where Wrapped == JSONValue {
    var scalarOrNull: JSONValue { self?.scalarOrNull ?? .null }
}
