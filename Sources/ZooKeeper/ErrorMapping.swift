import Coordination
import CZooKeeper

extension CoordinationError {
    /// Maps a C client return code to the project's error, naming the path it was about.
    /// `expired` says whether this client has already seen its session end, because after expiry
    /// the C library answers every call with ZINVALIDSTATE instead of ZSESSIONEXPIRED.
    static func fromZooKeeper(_ rc: Int32, path: String?, expired: Bool = false) -> CoordinationError {
        let code: Code
        switch rc {
        case ZNONODE.rawValue: code = .noNode
        case ZNODEEXISTS.rawValue: code = .nodeExists
        case ZBADVERSION.rawValue: code = .badVersion
        case ZNOTEMPTY.rawValue: code = .notEmpty
        case ZNOCHILDRENFOREPHEMERALS.rawValue: code = .noChildrenForEphemerals
        case ZCONNECTIONLOSS.rawValue: code = .connectionLoss
        case ZOPERATIONTIMEOUT.rawValue: code = .operationTimeout
        case ZSESSIONEXPIRED.rawValue: code = .sessionExpired
        case ZINVALIDSTATE.rawValue: code = expired ? .sessionExpired : .invalidState
        case ZCLOSING.rawValue: code = .closed
        case ZBADARGUMENTS.rawValue: code = .badArguments
        default: code = .other(rc)
        }
        let detail: String? = if case .other = code { Self.libraryName(of: rc) } else { nil }
        return CoordinationError(code, path: path, detail: detail)
    }

    /// The C library's own name for codes we do not map, so that a log line is searchable.
    private static func libraryName(of rc: Int32) -> String {
        switch rc {
        case ZSYSTEMERROR.rawValue: return "ZSYSTEMERROR"
        case ZRUNTIMEINCONSISTENCY.rawValue: return "ZRUNTIMEINCONSISTENCY"
        case ZDATAINCONSISTENCY.rawValue: return "ZDATAINCONSISTENCY"
        case ZMARSHALLINGERROR.rawValue: return "ZMARSHALLINGERROR"
        case ZUNIMPLEMENTED.rawValue: return "ZUNIMPLEMENTED"
        case ZNOAUTH.rawValue: return "ZNOAUTH"
        case ZINVALIDACL.rawValue: return "ZINVALIDACL"
        case ZAUTHFAILED.rawValue: return "ZAUTHFAILED"
        case ZSESSIONMOVED.rawValue: return "ZSESSIONMOVED"
        case ZNOTREADONLY.rawValue: return "ZNOTREADONLY"
        case ZTHROTTLEDOP.rawValue: return "ZTHROTTLEDOP"
        default: return "ZooKeeper C client code \(rc)"
        }
    }
}
