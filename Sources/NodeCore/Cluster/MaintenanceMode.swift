/// `/config/maintenance`: `"true"`/`"false"` as PVC's API writes them, read as PVC reads them
/// (Python's strtobool). While on, the fencing core (a later issue) fences nobody.
public enum MaintenanceMode: Sendable, Equatable {
    case on
    case off
    /// Anything else: read as off, PVC's rule (an unparsable value never stops fencing), and
    /// reported so the operator sees it.
    case unrecognised(String)

    public init(parsing text: String) {
        var trimmed = Substring(text)
        while trimmed.first?.isWhitespace == true { trimmed.removeFirst() }
        while trimmed.last?.isWhitespace == true { trimmed.removeLast() }
        switch trimmed.lowercased() {
        case "y", "yes", "t", "true", "on", "1": self = .on
        // Empty: never set (a new cluster's key is created empty), which is off, not garbage.
        case "", "n", "no", "f", "false", "off", "0": self = .off
        default: self = .unrecognised(String(text.prefix(64)))
        }
    }

    public var isOn: Bool { self == .on }
}
