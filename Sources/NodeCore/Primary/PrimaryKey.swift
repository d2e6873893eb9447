/// What `/config/primary_node` says, with the znode's data version: every write of it is a
/// compare-and-set against the version the decision was made on.
public struct PrimaryKey: Sendable, Equatable {
    public var value: String
    public var version: Int32

    public init(value: String, version: Int32) {
        self.value = value
        self.version = version
    }

    /// PVC's word for "no primary, contend": written by `node secondary`, by a primary shutting
    /// down and by a fence.
    public static let noneWord = "none"

    /// `none`: an operator or a departing primary asked for another; the primary holds on until
    /// someone else wins.
    public var isNone: Bool { value == Self.noneWord }
    /// Empty or missing: nobody ever claimed it (a new cluster) or it was lost; a primary
    /// re-asserts itself only then, so it never overwrites an operator's `none`.
    public var isEmpty: Bool { value.isEmpty }
    public var isVacant: Bool { isNone || isEmpty }

    public func names(_ node: String) -> Bool { value == node }
}
