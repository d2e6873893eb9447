import CLibvirt

/// A domain's state as libvirt reports it, plus `notDefined` for a domain this hypervisor does
/// not know (stopped transient domains vanish, so that is the normal answer after a stop).
public enum DomainState: Sendable, Hashable, CustomStringConvertible {
    case noState
    case running
    case blocked
    case paused
    case shuttingDown
    case shutOff
    case crashed
    case suspended
    case notDefined
    /// A state number newer than this code knows.
    case unknown(Int32)

    init(libvirt raw: Int32) {
        switch UInt32(bitPattern: raw) {
        case VIR_DOMAIN_NOSTATE.rawValue: self = .noState
        case VIR_DOMAIN_RUNNING.rawValue: self = .running
        case VIR_DOMAIN_BLOCKED.rawValue: self = .blocked
        case VIR_DOMAIN_PAUSED.rawValue: self = .paused
        case VIR_DOMAIN_SHUTDOWN.rawValue: self = .shuttingDown
        case VIR_DOMAIN_SHUTOFF.rawValue: self = .shutOff
        case VIR_DOMAIN_CRASHED.rawValue: self = .crashed
        case VIR_DOMAIN_PMSUSPENDED.rawValue: self = .suspended
        default: self = .unknown(raw)
        }
    }

    /// The words PVC's stats JSON uses (libvirt's enum names without the prefix).
    public var description: String {
        switch self {
        case .noState: "NOSTATE"
        case .running: "RUNNING"
        case .blocked: "BLOCKED"
        case .paused: "PAUSED"
        case .shuttingDown: "SHUTDOWN"
        case .shutOff: "SHUTOFF"
        case .crashed: "CRASHED"
        case .suspended: "PMSUSPENDED"
        case .notDefined: "NOTDEFINED"
        case .unknown(let raw): "UNKNOWN(\(raw))"
        }
    }

    /// Whether a qemu process exists for the domain (running or paused in any way).
    public var isActive: Bool {
        switch self {
        case .running, .blocked, .paused, .shuttingDown, .suspended: true
        case .noState, .shutOff, .crashed, .notDefined, .unknown: false
        }
    }
}
