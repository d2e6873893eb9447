/// `virDomainGetInfo`: what the VM runtime and target selection count per domain.
public struct DomainInfo: Sendable, Hashable {
    public var state: DomainState
    /// The most memory the domain may have.
    public var maximumMemoryKiB: UInt64
    /// The memory the domain has now (after ballooning).
    public var memoryKiB: UInt64
    public var vcpus: Int
    public var cpuTimeNanoseconds: UInt64

    public init(state: DomainState, maximumMemoryKiB: UInt64, memoryKiB: UInt64, vcpus: Int, cpuTimeNanoseconds: UInt64) {
        self.state = state
        self.maximumMemoryKiB = maximumMemoryKiB
        self.memoryKiB = memoryKiB
        self.vcpus = vcpus
        self.cpuTimeNanoseconds = cpuTimeNanoseconds
    }
}
