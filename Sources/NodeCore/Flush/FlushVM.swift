/// One VM as a flush or a ready sees it when it begins: the keys of `/domains/U` it decides on.
public struct FlushVM: Sendable, Equatable {
    public var uuid: String
    /// The domain name: the order VMs are handled in (then UUID), and the name in every note.
    public var name: String
    /// `state`; nil when the key holds a word PVC does not use (garbage, never a crash).
    public var state: VMState?
    /// `node`: where the VM should run.
    public var node: String
    /// `lastnode` (`last_node`): non-empty when the VM was moved away temporarily from there.
    public var lastNode: String
    /// `node_autostart` is `True` (PVC compares the exact word).
    public var autostart: Bool
    /// The VM's memory (MiB) and vCPUs, counted against a target while the VM is on its way.
    public var memoryMiB: Int
    public var vcpus: Int
    /// `node_limit` text; nil when missing.
    public var nodeLimit: String?
    /// `node_selector` text; nil when missing.
    public var nodeSelector: String?

    public init(uuid: String, name: String, state: VMState?, node: String, lastNode: String = "",
                autostart: Bool = false, memoryMiB: Int = 0, vcpus: Int = 0, nodeLimit: String? = nil,
                nodeSelector: String? = nil) {
        self.uuid = uuid
        self.name = name
        self.state = state
        self.node = node
        self.lastNode = lastNode
        self.autostart = autostart
        self.memoryMiB = memoryMiB
        self.vcpus = vcpus
        self.nodeLimit = nodeLimit
        self.nodeSelector = nodeSelector
    }

    /// `node_autostart` as PVC reads it: only the exact text `True` (nil: key missing).
    public static func autostart(fromText text: String?) -> Bool {
        text == "True"
    }

    /// The order a flush or ready handles VMs in: by name, then UUID (bytes, as target selection's
    /// tie-break), so that the same cluster gives the same log.
    static func precedes(_ a: FlushVM, _ b: FlushVM) -> Bool {
        if !a.name.utf8.elementsEqual(b.name.utf8) { return a.name.utf8.lexicographicallyPrecedes(b.name.utf8) }
        return a.uuid.utf8.lexicographicallyPrecedes(b.uuid.utf8)
    }
}
