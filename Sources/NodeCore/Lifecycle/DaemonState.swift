/// The words of `/nodes/N/daemonstate` that the node writes about itself. `dead` and `fenced` are
/// written by a fencing coordinator, never by the node, so they are not here.
public enum DaemonState: String, Sendable, Equatable, CaseIterable {
    case initializing = "init"
    case run
    case shutdown
    case stop
}
