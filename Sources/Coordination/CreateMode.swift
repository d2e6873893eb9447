/// How a node is created: whether it dies with its session, and whether the server appends a
/// 10-digit sequence number (the parent's child version) to its name.
public enum CreateMode: Sendable, Equatable, CaseIterable {
    case persistent
    case ephemeral
    case persistentSequential
    case ephemeralSequential

    public var isEphemeral: Bool { self == .ephemeral || self == .ephemeralSequential }
    public var isSequential: Bool { self == .persistentSequential || self == .ephemeralSequential }
}
