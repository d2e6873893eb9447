/// What a VM operation wrote and, when it waited, how the VM ended up.
public struct VMOperationResult: Sendable, Equatable {
    public let vm: VMIdentity
    /// Every key written, in write order, as (path, value); empty when nothing needed writing.
    public let written: [KeyValue]
    /// PVC's message for the operation ("Migrating VM ... to node ...").
    public let message: String
    /// Target selection's warnings (a fallback selector), to show the operator.
    public let warnings: [String]
    /// When target selection chose the node: why (`hv2 by mem (memfree: 2048 MiB)`).
    public let targetChoice: String?
    /// With `wait`: the state the VM ended in (nil: the key vanished, e.g. the VM was undefined).
    public let finalState: String?
    public let waited: Bool

    public init(vm: VMIdentity, written: [KeyValue], message: String, warnings: [String] = [],
                targetChoice: String? = nil, finalState: String? = nil, waited: Bool = false) {
        self.vm = vm
        self.written = written
        self.message = message
        self.warnings = warnings
        self.targetChoice = targetChoice
        self.finalState = finalState
        self.waited = waited
    }
}

/// One key written, as its path and its value.
public struct KeyValue: Sendable, Equatable {
    public let path: String
    public let value: String

    public init(path: String, value: String) {
        self.path = path
        self.value = value
    }
}
