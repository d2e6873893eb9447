/// The one error type every coordination store throws: what went wrong, on which path.
///
/// Codes follow ZooKeeper's, so that a caller can tell "the node is not there" from "we do not know".
/// A call that fails with `connectionLoss` or `operationTimeout` may or may not have been applied.
public struct CoordinationError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable, CustomStringConvertible {
        case noNode
        case nodeExists
        case badVersion
        case notEmpty
        case noChildrenForEphemerals
        /// The connection to the server was lost while the call was in flight; the outcome is unknown.
        case connectionLoss
        /// The call's deadline passed before an answer came; the outcome is unknown.
        case operationTimeout
        /// The session is gone (confirmed by the server, or presumed after a full session timeout
        /// without a connection); ephemerals and watches of the session are gone with it.
        case sessionExpired
        /// The handle cannot take the call (not yet connected, or in a state that forbids it).
        case invalidState
        /// The store was closed by its owner.
        case closed
        /// A path that ZooKeeper would reject: no leading slash, a trailing slash, an empty segment, ...
        case invalidPath
        /// Node data over `CoordinationLimits.maxDataSize`.
        case dataTooLarge
        /// Arguments the server refused (ZBADARGUMENTS) or an empty transaction.
        case badArguments
        /// A lock recipe gave up waiting.
        case lockTimeout
        /// Connecting failed: every host refused, was unreachable, or the chroot does not exist.
        case connectionFailed
        /// Any other error code of the server or library, kept as a number.
        case other(Int32)

        public var description: String {
            switch self {
            case .noNode: return "no such node"
            case .nodeExists: return "node already exists"
            case .badVersion: return "version mismatch"
            case .notEmpty: return "node has children"
            case .noChildrenForEphemerals: return "ephemeral nodes cannot have children"
            case .connectionLoss: return "connection lost"
            case .operationTimeout: return "operation timed out"
            case .sessionExpired: return "session expired"
            case .invalidState: return "invalid handle state"
            case .closed: return "store closed"
            case .invalidPath: return "invalid path"
            case .dataTooLarge: return "data too large"
            case .badArguments: return "bad arguments"
            case .lockTimeout: return "lock not acquired in time"
            case .connectionFailed: return "connection failed"
            case .other(let rc): return "error \(rc)"
            }
        }
    }

    public var code: Code
    /// The path the failing call was about, if it was about one.
    public var path: String?
    /// For a failed `multi`: the index of the operation that failed.
    public var failedOperation: Int?
    /// What else a reader of the log needs to know (the deadline, the server's answer, ...).
    public var detail: String?

    public init(_ code: Code, path: String? = nil, failedOperation: Int? = nil, detail: String? = nil) {
        self.code = code
        self.path = path
        self.failedOperation = failedOperation
        self.detail = detail
    }

    public var description: String {
        var text = code.description
        if let path { text += " at \(path)" }
        if let failedOperation { text += " (operation \(failedOperation) of the transaction)" }
        if let detail { text += ": \(detail)" }
        return text
    }

    /// True where the call may have been applied and the caller cannot know: retry only idempotent work.
    public var outcomeUnknown: Bool {
        code == .connectionLoss || code == .operationTimeout
    }
}
