import CCephLoader

/// `rados_pool_stat_t`, field for field (PVC publishes pool usage from these).
public struct RadosPoolStats: Sendable, Equatable {
    public var numBytes: UInt64
    public var numKB: UInt64
    public var numObjects: UInt64
    public var numObjectClones: UInt64
    public var numObjectCopies: UInt64
    public var numObjectsMissingOnPrimary: UInt64
    public var numObjectsUnfound: UInt64
    public var numObjectsDegraded: UInt64
    public var numRead: UInt64
    public var numReadKB: UInt64
    public var numWrite: UInt64
    public var numWriteKB: UInt64
    public var numUserBytes: UInt64
    public var compressedBytesOriginal: UInt64
    public var compressedBytes: UInt64
    public var compressedBytesAllocated: UInt64

    init(_ stat: rados_pool_stat_t) {
        numBytes = stat.num_bytes
        numKB = stat.num_kb
        numObjects = stat.num_objects
        numObjectClones = stat.num_object_clones
        numObjectCopies = stat.num_object_copies
        numObjectsMissingOnPrimary = stat.num_objects_missing_on_primary
        numObjectsUnfound = stat.num_objects_unfound
        numObjectsDegraded = stat.num_objects_degraded
        numRead = stat.num_rd
        numReadKB = stat.num_rd_kb
        numWrite = stat.num_wr
        numWriteKB = stat.num_wr_kb
        numUserBytes = stat.num_user_bytes
        compressedBytesOriginal = stat.compressed_bytes_orig
        compressedBytes = stat.compressed_bytes
        compressedBytesAllocated = stat.compressed_bytes_alloc
    }
}
