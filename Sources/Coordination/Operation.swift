/// One operation of a multi-op transaction: all of them are applied, or none.
public enum Operation: Sendable, Equatable {
    case create(String, data: [UInt8] = [], mode: CreateMode = .persistent)
    /// `version: nil` sets whatever the current version is.
    case set(String, data: [UInt8], version: Int32? = nil)
    /// `version: nil` deletes whatever the current version is.
    case delete(String, version: Int32? = nil)
    /// Fails the transaction unless the node exists at exactly this version.
    case check(String, version: Int32)

    public var path: String {
        switch self {
        case .create(let path, _, _), .set(let path, _, _), .delete(let path, _), .check(let path, _):
            return path
        }
    }
}

/// What one operation of a committed transaction did.
public enum OperationResult: Sendable, Equatable {
    /// The created node's actual path (with the sequence number for sequential modes).
    case created(String)
    case set(Stat)
    case deleted
    case checked
}
