/// Failures of `LibvirtDaemon` that are not a failing script (those are `LocalServiceError`).
public enum LibvirtDaemonError: Error, CustomStringConvertible {
    /// A system libvirtd in a private mount namespace needs root; the message says so instead
    /// of skipping the test.
    case notRoot(euid: UInt32)

    public var description: String {
        switch self {
        case let .notRoot(euid):
            return "a test libvirtd (system mode, own mount namespace, qemu guests) needs root, but this "
                + "process runs as uid \(euid); run the tests as root (CI does)"
        }
    }
}
