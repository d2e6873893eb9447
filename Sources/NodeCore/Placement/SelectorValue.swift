/// What a selector reads from one node, after the load already in flight to it, and how two such
/// readings compare. PVC's rules (§7.4): comparisons are strict and start from a value a node must
/// beat, so a node with nothing to offer (`memfree` 0, nothing unpromised, load or counts at or
/// above 9999) is never chosen, however few nodes there are.
public enum SelectorValue: Sendable, Equatable {
    /// `mem` and `memprov`: MiB; more wins; must exceed 0.
    case memory(Int)
    /// `load`: load average; less wins; must be below 9999.0.
    case load(Double)
    /// `vcpus` and `vms`: less wins; must be below 9999.
    case count(Int)

    /// PVC's start values: a reading that does not strictly beat them never wins.
    public static let memoryStart = 0
    public static let loadStart = 9999.0
    public static let countStart = 9999

    /// Whether this reading can win at all (strictly beats PVC's start value).
    public var beatsStart: Bool {
        switch self {
        case .memory(let mib): mib > Self.memoryStart
        case .load(let load): load < Self.loadStart
        case .count(let count): count < Self.countStart
        }
    }

    /// Strictly better; readings of different kinds never compare (they come from different
    /// selectors, which one selection never mixes).
    public func isBetter(than other: SelectorValue) -> Bool {
        switch (self, other) {
        case (.memory(let a), .memory(let b)): a > b
        case (.load(let a), .load(let b)): a < b
        case (.count(let a), .count(let b)): a < b
        default: false
        }
    }
}

extension MigrationSelector {
    /// The node's reading under this selector, counting `inFlight` as if those VMs had landed;
    /// nil when a key it needs is missing or garbage (negative figures included: no node has
    /// negative free memory, load or VMs, and letting one win would draw every VM to a node
    /// whose keys are broken). A nil reading never wins.
    ///
    /// In-flight accounting, per selector:
    /// - `mem`: their memory is taken off `memfree`.
    /// - `memprov`: their memory is added to `memprov`. `memused + memfree` is the node's
    ///   memory as a whole and does not change when a VM lands (what it uses moves from free to
    ///   used), so taking it off `memfree` here as well would count it twice.
    /// - `vcpus`: their vCPUs are added to `vcpualloc`; `vms`: their number to `domainscount`.
    /// - `load`: left as is. A load average says what the node's guests did over the last
    ///   minute; an arriving guest adds nothing predictable (an idle VM adds nothing, a busy one
    ///   up to its vCPUs, and only after a minute's averaging), so any figure added would be
    ///   invented. A parallel flush by load therefore favours the same node until its keepalive
    ///   shows the change, as PVC's serial flush did between its migrations.
    ///
    /// Negative in-flight figures (a bookkeeping error) count as zero: in-flight load never makes
    /// a node more attractive.
    public func value(of node: CandidateNode, inFlight: InFlightLoad = .none) -> SelectorValue? {
        switch self {
        case .mem:
            guard let free = node.memFreeMiB, free >= 0 else { return nil }
            return .memory(free - max(0, inFlight.memoryMiB))
        case .memprov:
            guard let used = node.memUsedMiB, used >= 0, let free = node.memFreeMiB, free >= 0,
                  let provisioned = node.memProvisionedMiB, provisioned >= 0 else { return nil }
            let (total, overflow) = used.addingReportingOverflow(free)
            guard !overflow else { return nil }
            return .memory(total - InFlightLoad.saturatingAdd(provisioned, max(0, inFlight.memoryMiB)))
        case .load:
            guard let load = node.cpuLoad, load.isFinite, load >= 0 else { return nil }
            return .load(load)
        case .vcpus:
            guard let vcpus = node.vcpuAllocated, vcpus >= 0 else { return nil }
            return .count(InFlightLoad.saturatingAdd(vcpus, max(0, inFlight.vcpus)))
        case .vms:
            guard let vms = node.runningVMs, vms >= 0 else { return nil }
            return .count(InFlightLoad.saturatingAdd(vms, max(0, inFlight.vms)))
        }
    }

    /// The key(s) the selector reads, for messages.
    public var keyDescription: String {
        switch self {
        case .mem: "memfree"
        case .memprov: "memused + memfree - memprov"
        case .load: "cpuload"
        case .vcpus: "vcpualloc"
        case .vms: "domainscount"
        }
    }
}
