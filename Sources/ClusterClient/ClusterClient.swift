import ClusterSchema
import Coordination

/// What PVC's client library (`daemon_lib/vm.py`, `node.py`) writes to drive VMs and nodes, with
/// its preconditions and its waits (pvc-client-contract.md §2, pvc-node-daemon.md §6.1, §7.3, §8).
///
/// The keys and values written are PVC's exactly, so that a PVC node daemon and ours react alike.
/// Where PVC's client would block forever (a lock, a `--wait`), every wait here is bounded and
/// ends in a `ClusterClientError` that names the VM or node and what it is stuck in.
public struct ClusterClient: Sendable {
    public let store: any CoordinationStore
    public let schema: SchemaVersion
    /// How long a state change waits for the exclusive lock on `/domains/U/state`. A migrating
    /// node holds that lock for the whole migration, so this is not a short call timeout.
    public let lockTimeout: Duration
    /// Written as the lock's contender data, which is what Kazoo's `contenders()` shows.
    public let identifier: String

    public init(store: any CoordinationStore, schema: SchemaVersion, lockTimeout: Duration = .seconds(30),
                identifier: String = "pvcctl") {
        self.store = store
        self.schema = schema
        self.lockTimeout = lockTimeout
        self.identifier = identifier
    }

    /// The default bound of every `wait`: PVC's client waits forever.
    public static let defaultWaitTimeout: Duration = .seconds(300)

    /// A base key's path ("base.domain" → "/domains").
    func path(_ key: String) throws -> String {
        do {
            return try schema.path(key)
        } catch {
            throw ClusterClientError.schema(key: key, detail: "\(error)")
        }
    }

    /// An item's key's path (("domain.state", U) → "/domains/U/state").
    func path(_ key: String, _ item: String) throws -> String {
        do {
            return try schema.path(key, item: item)
        } catch {
            throw ClusterClientError.schema(key: key, detail: "\(error)")
        }
    }
}
