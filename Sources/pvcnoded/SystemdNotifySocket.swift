#if canImport(Glibc)
import Glibc
#endif

/// systemd's readiness protocol (sd_notify(3)) without libsystemd: one datagram per change to the
/// socket systemd names in `$NOTIFY_SOCKET`. pvcnoded.service is `Type=notify`, so
/// `systemctl start` and the units ordered after the daemon (pvcautoready) wait until this node is
/// registered and in `run`, not merely until the process exists.
struct SystemdNotifySocket: Sendable {
    static let environmentVariable = "NOTIFY_SOCKET"

    /// A filesystem path, or an abstract socket name after its leading '@'.
    let address: String

    /// nil when the daemon was not started by systemd as a notify service (tests, the demo, a
    /// shell), or when the variable names something other than a unix socket (systemd's vsock
    /// form is for virtual machines, never a node daemon).
    init?(_ value: String?) {
        guard let value, value.count > 1, value.hasPrefix("/") || value.hasPrefix("@") else { return nil }
        guard value.utf8.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path) else { return nil }
        address = value
    }

    static func fromEnvironment() -> SystemdNotifySocket? {
        SystemdNotifySocket(ProcessEnvironment.value(environmentVariable))
    }

    /// Sends `fields` ("READY=1", "STATUS=…") as one datagram. Never blocks: a full receive queue
    /// at systemd costs this message, never a keepalive. Returns the errno of a failure.
    @discardableResult
    func send(_ fields: [String]) -> Int32? {
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return errno }
        defer { close(descriptor) }
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        var name = Array(address.utf8)
        // An abstract name starts with a NUL byte and its length is exact: no terminator counts.
        let abstract = name.first == UInt8(ascii: "@")
        if abstract { name[0] = 0 }
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { path in
            for (index, byte) in name.enumerated() { path[index] = byte }
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? 2
        let length = socklen_t(pathOffset + name.count + (abstract ? 0 : 1))
        let message = Array(fields.joined(separator: "\n").utf8)
        let sent = withUnsafePointer(to: &socketAddress) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                message.withUnsafeBytes { bytes in
                    sendto(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL), generic, length)
                }
            }
        }
        return sent < 0 ? errno : nil
    }
}
