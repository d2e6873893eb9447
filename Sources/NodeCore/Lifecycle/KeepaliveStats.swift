/// The node's figures rewritten by every keepalive. Hypervisor figures stay zero (and the running
/// list empty) until a hypervisor shell provides them.
public struct KeepaliveStats: Sendable, Equatable {
    public var memTotalMiB: Int
    public var memUsedMiB: Int
    public var memFreeMiB: Int
    public var memAllocatedMiB: Int
    public var memProvisionedMiB: Int
    public var vcpuAllocated: Int
    /// Already formatted as PVC writes it ("0.52"), so the core never formats floating point.
    public var cpuLoad: String
    public var domainsCount: Int
    /// VM UUIDs, written space-separated.
    public var runningDomains: [String]

    public init(memTotalMiB: Int = 0, memUsedMiB: Int = 0, memFreeMiB: Int = 0,
                memAllocatedMiB: Int = 0, memProvisionedMiB: Int = 0, vcpuAllocated: Int = 0,
                cpuLoad: String = "0.0", domainsCount: Int = 0, runningDomains: [String] = []) {
        self.memTotalMiB = memTotalMiB
        self.memUsedMiB = memUsedMiB
        self.memFreeMiB = memFreeMiB
        self.memAllocatedMiB = memAllocatedMiB
        self.memProvisionedMiB = memProvisionedMiB
        self.vcpuAllocated = vcpuAllocated
        self.cpuLoad = cpuLoad
        self.domainsCount = domainsCount
        self.runningDomains = runningDomains
    }
}
