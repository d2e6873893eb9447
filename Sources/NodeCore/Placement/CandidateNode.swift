/// What target selection reads about one node under `/nodes/N`. Every figure is optional: a key
/// may be missing (a node registered by an older schema, a victim zeroed by a fence) or garbage,
/// and such a node simply cannot win on that figure.
public struct CandidateNode: Sendable, Equatable {
    /// The node's name: the child of `/nodes`.
    public var name: String
    /// `daemonstate` text; only `run` is eligible.
    public var daemonState: String?
    /// `domainstate` text; only `ready` is eligible (not `flush`, `flushed`, `unflush`).
    public var domainState: String?
    /// `memfree`: MiB available (psutil's "available", not "free").
    public var memFreeMiB: Int?
    /// `memused`.
    public var memUsedMiB: Int?
    /// `memprov`: MiB of the VMs running here plus those assigned here but stopped.
    public var memProvisionedMiB: Int?
    /// `cpuload`: 1-minute load average.
    public var cpuLoad: Double?
    /// `vcpualloc`: vCPUs of running VMs.
    public var vcpuAllocated: Int?
    /// `domainscount`: running VMs.
    public var runningVMs: Int?

    public init(name: String, daemonState: String?, domainState: String?, memFreeMiB: Int? = nil,
                memUsedMiB: Int? = nil, memProvisionedMiB: Int? = nil, cpuLoad: Double? = nil,
                vcpuAllocated: Int? = nil, runningVMs: Int? = nil) {
        self.name = name
        self.daemonState = daemonState
        self.domainState = domainState
        self.memFreeMiB = memFreeMiB
        self.memUsedMiB = memUsedMiB
        self.memProvisionedMiB = memProvisionedMiB
        self.cpuLoad = cpuLoad
        self.vcpuAllocated = vcpuAllocated
        self.runningVMs = runningVMs
    }

    /// From the keys' texts as read from ZooKeeper (nil: key missing). Numbers are read as PVC
    /// reads them (`int()`, `float()` for `cpuload`); garbage, NaN and infinities become nil.
    public init(name: String, daemonStateText: String?, domainStateText: String?, memFreeText: String?,
                memUsedText: String?, memProvisionedText: String?, cpuLoadText: String?,
                vcpuAllocatedText: String?, runningVMsText: String?) {
        self.init(name: name, daemonState: daemonStateText, domainState: domainStateText,
                  memFreeMiB: PlacementText.integer(memFreeText),
                  memUsedMiB: PlacementText.integer(memUsedText),
                  memProvisionedMiB: PlacementText.integer(memProvisionedText),
                  cpuLoad: PlacementText.decimal(cpuLoadText),
                  vcpuAllocated: PlacementText.integer(vcpuAllocatedText),
                  runningVMs: PlacementText.integer(runningVMsText))
    }

    /// The daemon is up and taking work (PVC: daemonstate `run`).
    public var isRunning: Bool {
        daemonState.map { PlacementText.trimmed($0) == "run" } ?? false
    }

    /// The node accepts VMs (PVC: domainstate `ready`; not flushing, flushed or unflushing).
    public var isReady: Bool {
        domainState.map { PlacementText.trimmed($0) == "ready" } ?? false
    }
}
