/// VMs already on their way to a node, chosen by earlier selections of the same flush that run in
/// parallel: the node's keys do not show them yet (the keepalive writes its figures every few
/// seconds and a migration takes longer), so without this every VM of a flush would pick the
/// same emptiest node. PVC never needed it: its flush moved one VM at a time and waited.
///
/// The flush adds a VM here when it assigns the VM a target and removes it when the migration
/// ends, successfully or not.
public struct InFlightLoad: Sendable, Equatable {
    /// Memory of the VMs in flight, MiB.
    public var memoryMiB: Int
    /// Their vCPUs.
    public var vcpus: Int
    /// How many.
    public var vms: Int

    public init(memoryMiB: Int = 0, vcpus: Int = 0, vms: Int = 0) {
        self.memoryMiB = memoryMiB
        self.vcpus = vcpus
        self.vms = vms
    }

    public static let none = InFlightLoad()

    /// One VM in flight.
    public static func vm(memoryMiB: Int, vcpus: Int) -> InFlightLoad {
        InFlightLoad(memoryMiB: memoryMiB, vcpus: vcpus, vms: 1)
    }

    /// Totals saturate instead of trapping: these come from VM definitions, which are user input.
    public static func + (lhs: InFlightLoad, rhs: InFlightLoad) -> InFlightLoad {
        InFlightLoad(memoryMiB: saturatingAdd(lhs.memoryMiB, rhs.memoryMiB),
                     vcpus: saturatingAdd(lhs.vcpus, rhs.vcpus),
                     vms: saturatingAdd(lhs.vms, rhs.vms))
    }

    public static func += (lhs: inout InFlightLoad, rhs: InFlightLoad) {
        lhs = lhs + rhs
    }

    static func saturatingAdd(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b < 0 ? Int.min : Int.max) : sum
    }
}
