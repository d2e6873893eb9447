import CLibvirt

/// One `VIR_DOMAIN_EVENT_ID_LIFECYCLE` event.
public struct LifecycleEvent: Sendable, Hashable {
    public var uuid: String
    public var name: String
    public var kind: Kind
    /// libvirt's detail number for `kind` (e.g. for `.stopped`: 0 shutdown, 1 destroyed,
    /// 2 crashed, 3 migrated, 4 saved, 5 failed, 6 from snapshot); see `stoppedReason`.
    public var detail: Int32

    public init(uuid: String, name: String, kind: Kind, detail: Int32) {
        self.uuid = uuid
        self.name = name
        self.kind = kind
        self.detail = detail
    }

    public enum Kind: Sendable, Hashable {
        case defined, undefined, started, suspended, resumed, stopped, shutdown, pmSuspended, crashed
        case unknown(Int32)

        init(libvirt raw: Int32) {
            switch UInt32(bitPattern: raw) {
            case VIR_DOMAIN_EVENT_DEFINED.rawValue: self = .defined
            case VIR_DOMAIN_EVENT_UNDEFINED.rawValue: self = .undefined
            case VIR_DOMAIN_EVENT_STARTED.rawValue: self = .started
            case VIR_DOMAIN_EVENT_SUSPENDED.rawValue: self = .suspended
            case VIR_DOMAIN_EVENT_RESUMED.rawValue: self = .resumed
            case VIR_DOMAIN_EVENT_STOPPED.rawValue: self = .stopped
            case VIR_DOMAIN_EVENT_SHUTDOWN.rawValue: self = .shutdown
            case VIR_DOMAIN_EVENT_PMSUSPENDED.rawValue: self = .pmSuspended
            case VIR_DOMAIN_EVENT_CRASHED.rawValue: self = .crashed
            default: self = .unknown(raw)
            }
        }
    }

    /// Why a `.stopped` domain stopped; nil for other kinds.
    public var stoppedReason: StoppedReason? {
        guard kind == .stopped else { return nil }
        switch UInt32(bitPattern: detail) {
        case VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN.rawValue: return .shutdown
        case VIR_DOMAIN_EVENT_STOPPED_DESTROYED.rawValue: return .destroyed
        case VIR_DOMAIN_EVENT_STOPPED_CRASHED.rawValue: return .crashed
        case VIR_DOMAIN_EVENT_STOPPED_MIGRATED.rawValue: return .migrated
        case VIR_DOMAIN_EVENT_STOPPED_SAVED.rawValue: return .saved
        case VIR_DOMAIN_EVENT_STOPPED_FAILED.rawValue: return .failed
        default: return .other(detail)
        }
    }

    public enum StoppedReason: Sendable, Hashable {
        case shutdown, destroyed, crashed, migrated, saved, failed
        case other(Int32)
    }
}
