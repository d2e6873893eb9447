/// Something in the file that does not stop the daemon but that the operator should see: keys we do not know, and
/// settings that will make some later operation fail (migration URI templates using `{cluster_domain}` when
/// `cluster.networks.cluster.domain` is not set).
/// An unknown key is usually a typo whose intended setting is silently at its default, so it must be reported; it is
/// not fatal because a `pvc.conf` shared with PVC's other daemons legitimately holds keys this daemon never reads.
public struct ConfigurationWarning: Sendable, Equatable, CustomStringConvertible {
    public let file: String
    /// Dotted path, with `[n]` for list positions, e.g. `guest_networking.sriov_device[0].colour`.
    public let key: String
    public let problem: String

    public init(file: String, key: String, problem: String) {
        self.file = file
        self.key = key
        self.problem = problem
    }

    public var description: String { "\(file): \(key): \(problem)" }
}
