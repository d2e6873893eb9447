/// One node of the in-memory tree, stored the way ZooKeeper's `DataNode` stores it.
struct Znode: Sendable, Equatable {
    var data: [UInt8]
    var czxid: Int64
    var mzxid: Int64
    var pzxid: Int64
    var ctime: Int64
    var mtime: Int64
    var version: Int32
    /// ZooKeeper's stored `cversion` counts child creates only; it seeds the sequence suffix, and the
    /// `cversion` a client sees is derived from it (see `stat`).
    var childCreates: Int32
    var aversion: Int32
    var ephemeralOwner: Int64
    var children: Set<String>

    init(data: [UInt8], zxid: Int64, time: Int64, ephemeralOwner: Int64) {
        self.data = data
        czxid = zxid
        mzxid = zxid
        // ZooKeeper's createStat sets pzxid to the creating zxid, not 0.
        pzxid = zxid
        ctime = time
        mtime = time
        version = 0
        childCreates = 0
        aversion = 0
        self.ephemeralOwner = ephemeralOwner
        children = []
    }

    /// The metadata as a client reads it. Like ZooKeeper's `DataNode.copyStat`, `cversion` is
    /// `2 * creates - children`: every create not matched by a live child was matched by a delete,
    /// so it counts creates plus deletes, and is -1 for a fresh root whose `zookeeper` child was
    /// never "created".
    var stat: Stat {
        let childCount = Int32(truncatingIfNeeded: children.count)
        return Stat(czxid: czxid, mzxid: mzxid, pzxid: pzxid, ctime: ctime, mtime: mtime,
                    version: version, cversion: childCreates &* 2 &- childCount, aversion: aversion,
                    ephemeralOwner: ephemeralOwner,
                    dataLength: Int32(truncatingIfNeeded: data.count), numChildren: childCount)
    }

    var nodeData: NodeData { NodeData(data: data, stat: stat) }
}
