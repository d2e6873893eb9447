import ClusterSchema

/// One pool's counters as librados reports them (`rados_ioctx_pool_stat` fills a
/// `rados_pool_stat_t`): the same fields, names and units, so the daemon's librados code copies
/// the C struct across field by field and this module stays free of C.
public struct PoolFigures: Sendable, Equatable {
    public var numBytes: UInt64
    public var numKB: UInt64
    public var numObjects: UInt64
    public var numObjectClones: UInt64
    public var numObjectCopies: UInt64
    public var numObjectsMissingOnPrimary: UInt64
    public var numObjectsUnfound: UInt64
    public var numObjectsDegraded: UInt64
    /// Read operations.
    public var numRd: UInt64
    /// Kibibytes read.
    public var numRdKB: UInt64
    /// Write operations.
    public var numWr: UInt64
    /// Kibibytes written.
    public var numWrKB: UInt64

    public init(numBytes: UInt64 = 0, numKB: UInt64 = 0, numObjects: UInt64 = 0, numObjectClones: UInt64 = 0,
                numObjectCopies: UInt64 = 0, numObjectsMissingOnPrimary: UInt64 = 0, numObjectsUnfound: UInt64 = 0,
                numObjectsDegraded: UInt64 = 0, numRd: UInt64 = 0, numRdKB: UInt64 = 0, numWr: UInt64 = 0,
                numWrKB: UInt64 = 0) {
        self.numBytes = numBytes
        self.numKB = numKB
        self.numObjects = numObjects
        self.numObjectClones = numObjectClones
        self.numObjectCopies = numObjectCopies
        self.numObjectsMissingOnPrimary = numObjectsMissingOnPrimary
        self.numObjectsUnfound = numObjectsUnfound
        self.numObjectsDegraded = numObjectsDegraded
        self.numRd = numRd
        self.numRdKB = numRdKB
        self.numWr = numWr
        self.numWrKB = numWrKB
    }
}

extension JSONValue {
    /// A librados counter; one past Int (never seen in practice) becomes a double rather than
    /// trapping.
    static func counter(_ value: UInt64) -> JSONValue {
        Int(exactly: value).map { .integer($0) } ?? .number(Double(value))
    }

    /// Kibibytes to bytes as `rados df` reports them (`num_rd_kb * 1024`), without overflow.
    static func kibibytes(_ value: UInt64) -> JSONValue {
        let (bytes, overflow) = value.multipliedReportingOverflow(by: 1024)
        return overflow ? .number(Double(value) * 1024) : counter(bytes)
    }
}
