import CLibvirt

/// Every failure of the `Hypervisor` shell.
public enum HypervisorError: Error, Sendable, Hashable, CustomStringConvertible {
    /// libvirt refused: its error code (`virErrorNumber`), the part of libvirt that raised it
    /// (`virErrorDomain`) and its message, read on the thread that made the failing call.
    case libvirt(call: String, code: Int32, domain: Int32, message: String)
    /// The call did not return within its bound; it may still complete later.
    case timedOut(call: String, after: Duration)
    /// A URI template names a placeholder this code does not fill, or is malformed.
    case invalidURITemplate(template: String, reason: String)
    /// The hypervisor was closed.
    case closed
    /// libvirt's default event loop could not be registered (events and keepalive need it).
    case eventLoopUnavailable(String)

    /// The libvirt error code, when libvirt raised this error.
    public var libvirtCode: Int32? {
        if case .libvirt(_, let code, _, _) = self { return code }
        return nil
    }

    /// libvirt's own message, when libvirt raised this error.
    public var libvirtMessage: String? {
        if case .libvirt(_, _, _, let message) = self { return message }
        return nil
    }

    /// VIR_ERR_NO_DOMAIN: the domain does not exist (any more).
    public var isNoSuchDomain: Bool { libvirtCode == Int32(VIR_ERR_NO_DOMAIN.rawValue) }

    /// VIR_ERR_OPERATION_INVALID: e.g. destroying a domain that is not running.
    public var isOperationInvalid: Bool { libvirtCode == Int32(VIR_ERR_OPERATION_INVALID.rawValue) }

    public var description: String {
        switch self {
        case .libvirt(let call, let code, let domain, let message):
            "\(call) failed: \(message) (libvirt error \(code), domain \(domain))"
        case .timedOut(let call, let after):
            "\(call) did not return within \(after)"
        case .invalidURITemplate(let template, let reason):
            "invalid URI template \(template.debugDescription): \(reason)"
        case .closed:
            "the hypervisor connection was closed"
        case .eventLoopUnavailable(let reason):
            "libvirt's event loop is unavailable: \(reason)"
        }
    }

    /// The calling thread's last libvirt error, as a `.libvirt` case. Must run on the thread
    /// that made the failing call, right after it: libvirt keeps the last error per thread.
    static func last(_ call: String) -> HypervisorError {
        guard let error = virGetLastError() else {
            return .libvirt(call: call, code: -1, domain: -1, message: "\(call) failed without a libvirt error")
        }
        let message = error.pointee.message.map { String(cString: $0) } ?? "(no message)"
        return .libvirt(call: call, code: error.pointee.code, domain: error.pointee.domain, message: message)
    }
}
