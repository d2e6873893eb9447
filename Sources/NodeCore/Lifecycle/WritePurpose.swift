/// Why the core asked for a transaction; the runtime reports the outcome under the same name so
/// the core knows which step it answers.
public enum WritePurpose: String, Sendable, Equatable, CaseIterable {
    case registration
    case keepalive
    case shutdown
    case stop
}
