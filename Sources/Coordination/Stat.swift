/// A znode's metadata, as ZooKeeper's `struct Stat` has it.
public struct Stat: Sendable, Equatable, Hashable {
    public var czxid: Int64
    public var mzxid: Int64
    public var pzxid: Int64
    /// Milliseconds since the epoch on the server's clock (or the in-memory store's injected clock).
    public var ctime: Int64
    public var mtime: Int64
    public var version: Int32
    public var cversion: Int32
    public var aversion: Int32
    /// The owning session's id for an ephemeral node, 0 otherwise.
    public var ephemeralOwner: Int64
    public var dataLength: Int32
    public var numChildren: Int32

    public init(czxid: Int64 = 0, mzxid: Int64 = 0, pzxid: Int64 = 0, ctime: Int64 = 0, mtime: Int64 = 0,
                version: Int32 = 0, cversion: Int32 = 0, aversion: Int32 = 0, ephemeralOwner: Int64 = 0,
                dataLength: Int32 = 0, numChildren: Int32 = 0) {
        self.czxid = czxid
        self.mzxid = mzxid
        self.pzxid = pzxid
        self.ctime = ctime
        self.mtime = mtime
        self.version = version
        self.cversion = cversion
        self.aversion = aversion
        self.ephemeralOwner = ephemeralOwner
        self.dataLength = dataLength
        self.numChildren = numChildren
    }
}

/// A znode's data with the metadata read together with it.
public struct NodeData: Sendable, Equatable {
    public var data: [UInt8]
    public var stat: Stat

    public init(data: [UInt8], stat: Stat) {
        self.data = data
        self.stat = stat
    }

    /// The data as UTF-8 text, which is how every PVC key is written; nil for bytes that are not UTF-8.
    public var text: String? {
        String(validating: data, as: UTF8.self)
    }
}
