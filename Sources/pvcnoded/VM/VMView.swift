import NodeCore

/// What the keepalive and the flush need to know of a VM without waiting on its actor: the
/// record's last known values and the memory its definition asks for.
struct VMView: Sendable, Equatable {
    var name: String = ""
    var state: VMState?
    var stateText: String = ""
    var node: String = ""
    var lastNode: String = ""
    /// `<memory>` of the XML in ZooKeeper, in MiB; 0 until read or when unreadable.
    var definedMemoryMiB: Int = 0
    /// `<vcpu>` of the XML in ZooKeeper; 0 until read or when unreadable.
    var definedVCPUs: Int = 0
}
