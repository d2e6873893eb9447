/// What a node announces about itself at registration. Collected by the daemon from its
/// configuration and the host before the core runs, so the core stays free of I/O.
public struct NodeIdentity: Sendable, Equatable {
    public var name: String
    public var role: NodeRole
    /// "cpus kernel os arch", PVC's `staticdata`, which its API splits on spaces.
    public var staticData: String
    public var pvcVersion: String
    /// Empty when not configured: PVC writes the empty string rather than leaving the key out.
    public var ipmiHostname: String
    public var ipmiUsername: String
    public var ipmiPassword: String
    /// The schema version this node runs with, and the newest it could run with (PVC §1.4).
    public var activeSchema: Int
    public var latestSchema: Int

    public init(name: String, role: NodeRole, staticData: String, pvcVersion: String,
                ipmiHostname: String = "", ipmiUsername: String = "", ipmiPassword: String = "",
                activeSchema: Int, latestSchema: Int) {
        self.name = name
        self.role = role
        self.staticData = staticData
        self.pvcVersion = pvcVersion
        self.ipmiHostname = ipmiHostname
        self.ipmiUsername = ipmiUsername
        self.ipmiPassword = ipmiPassword
        self.activeSchema = activeSchema
        self.latestSchema = latestSchema
    }
}
