/// What the keepalive needs to know of a VM without waiting on its queue: the record's last
/// known node and the memory its definition asks for (`memprov` counts VMs assigned here that do
/// not run), and its name (the console log file is named after it).
struct VMView: Sendable, Equatable {
    var name: String = ""
    var node: String = ""
    /// `<memory>` of the XML in ZooKeeper, in MiB; 0 until read or when unreadable.
    var definedMemoryMiB: Int = 0
}
