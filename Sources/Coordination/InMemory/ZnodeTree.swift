/// The zxid, time and session of the write transaction being applied: a multi shares one.
struct TransactionContext: Sendable {
    var zxid: Int64
    var time: Int64
    var sessionID: Int64
}

/// The whole data tree, a value: a multi applies its operations to a copy and keeps the copy only
/// if every operation succeeded.
///
/// Every mutating method checks everything before it changes anything, in the order ZooKeeper's
/// `PrepRequestProcessor` does, so that a failed single operation leaves the tree as it was and the
/// first error reported is the one ZooKeeper would report.
struct ZnodeTree: Sendable {
    private(set) var nodes: [String: Znode]
    /// The paths of each session's ephemerals, so that ending a session does not scan the tree.
    private(set) var ephemerals: [Int64: Set<String>] = [:]

    /// The nodes a client cannot delete (ZooKeeper answers ZBADARGUMENTS).
    static let specialPaths: Set<String> = ["/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"]
    /// ZooKeeper gives `/zookeeper/config` a read-only ACL, so writing it or under it is refused.
    static let readOnlyPath = "/zookeeper/config"
    /// ZNOAUTH: the protocol has no code of its own for it.
    static let noAuthCode: Int32 = -102

    /// A fresh server's tree: "/" with "/zookeeper", which has "config" and "quota", all with zeroed
    /// metadata as ZooKeeper 3.8 builds them outside any transaction.
    init() {
        var root = Znode(data: [], zxid: 0, time: 0, ephemeralOwner: 0)
        root.children = ["zookeeper"]
        var zookeeper = Znode(data: [], zxid: 0, time: 0, ephemeralOwner: 0)
        zookeeper.children = ["config", "quota"]
        var config = Znode(data: [], zxid: 0, time: 0, ephemeralOwner: 0)
        // DataTree.addConfigNode sets the read-only ACL with version -1, which lands in aversion.
        config.aversion = -1
        nodes = [
            "/": root,
            "/zookeeper": zookeeper,
            "/zookeeper/quota": Znode(data: [], zxid: 0, time: 0, ephemeralOwner: 0),
            "/zookeeper/config": config,
        ]
    }

    subscript(path: String) -> Znode? { nodes[path] }

    // MARK: Writes

    mutating func apply(_ operation: Operation, in context: TransactionContext,
                        changes: inout [TreeChange]) throws(CoordinationError) -> OperationResult {
        switch operation {
        case .create(let path, let data, let mode):
            return .created(try create(path, data: data, mode: mode, in: context, changes: &changes))
        case .set(let path, let data, let version):
            return .set(try setData(path, data: data, version: version, in: context, changes: &changes))
        case .delete(let path, let version):
            try delete(path, version: version, in: context, changes: &changes)
            return .deleted
        case .check(let path, let version):
            try check(path, version: version)
            return .checked
        }
    }

    /// Returns the created path, with the sequence suffix for sequential modes.
    mutating func create(_ path: String, data: [UInt8], mode: CreateMode, in context: TransactionContext,
                         changes: inout [TreeChange]) throws(CoordinationError) -> String {
        // ZooKeeper cuts at the last slash, so a sequential create of "/" makes a child of the root.
        let parentPath = Self.parent(of: path)
        guard var parent = nodes[parentPath] else {
            throw CoordinationError(.noNode, path: path, detail: "parent \(parentPath) does not exist")
        }
        if parentPath == Self.readOnlyPath {
            throw CoordinationError(.other(Self.noAuthCode), path: path, detail: "\(parentPath) is read-only")
        }
        let actualPath = mode.isSequential ? path + Self.sequenceSuffix(parent.childCreates) : path
        if nodes[actualPath] != nil {
            throw CoordinationError(.nodeExists, path: path)
        }
        if parent.ephemeralOwner != 0 {
            throw CoordinationError(.noChildrenForEphemerals, path: path, detail: "parent \(parentPath) is ephemeral")
        }

        let owner = mode.isEphemeral ? context.sessionID : 0
        parent.childCreates &+= 1
        parent.pzxid = context.zxid
        parent.children.insert(PathRules.name(of: actualPath))
        nodes[parentPath] = parent
        nodes[actualPath] = Znode(data: data, zxid: context.zxid, time: context.time, ephemeralOwner: owner)
        if owner != 0 {
            ephemerals[owner, default: []].insert(actualPath)
        }
        changes.append(.created(actualPath))
        return actualPath
    }

    mutating func setData(_ path: String, data: [UInt8], version: Int32?, in context: TransactionContext,
                          changes: inout [TreeChange]) throws(CoordinationError) -> Stat {
        guard var node = nodes[path] else {
            throw CoordinationError(.noNode, path: path)
        }
        if path == Self.readOnlyPath {
            throw CoordinationError(.other(Self.noAuthCode), path: path, detail: "\(path) is read-only")
        }
        try Self.checkVersion(node.version, expected: version, path: path)
        node.version = Self.nextVersion(after: node.version)
        node.data = data
        node.mtime = context.time
        node.mzxid = context.zxid
        nodes[path] = node
        changes.append(.dataChanged(path))
        return node.stat
    }

    mutating func delete(_ path: String, version: Int32?, in context: TransactionContext,
                         changes: inout [TreeChange]) throws(CoordinationError) {
        if Self.specialPaths.contains(path) {
            throw CoordinationError(.badArguments, path: path, detail: "ZooKeeper's own nodes cannot be deleted")
        }
        let parentPath = Self.parent(of: path)
        guard nodes[parentPath] != nil else {
            throw CoordinationError(.noNode, path: path)
        }
        if parentPath == Self.readOnlyPath {
            throw CoordinationError(.other(Self.noAuthCode), path: path, detail: "\(parentPath) is read-only")
        }
        guard let node = nodes[path] else {
            throw CoordinationError(.noNode, path: path)
        }
        try Self.checkVersion(node.version, expected: version, path: path)
        if !node.children.isEmpty {
            throw CoordinationError(.notEmpty, path: path)
        }
        remove(path, node: node, in: context, changes: &changes)
    }

    func check(_ path: String, version: Int32) throws(CoordinationError) {
        guard let node = nodes[path] else {
            throw CoordinationError(.noNode, path: path)
        }
        try Self.checkVersion(node.version, expected: version, path: path)
    }

    /// Deletes every ephemeral of a session, as the closeSession transaction does. ZooKeeper walks a
    /// hash set; sorting keeps the order of the events the same from run to run.
    mutating func deleteEphemerals(of sessionID: Int64, in context: TransactionContext,
                                   changes: inout [TreeChange]) {
        guard let paths = ephemerals[sessionID] else { return }
        for path in paths.sorted() {
            if let node = nodes[path] {
                remove(path, node: node, in: context, changes: &changes)
            }
        }
        ephemerals[sessionID] = nil
    }

    private mutating func remove(_ path: String, node: Znode, in context: TransactionContext,
                                 changes: inout [TreeChange]) {
        let parentPath = Self.parent(of: path)
        if var parent = nodes[parentPath] {
            // A delete moves pzxid but not the stored cversion: the served cversion still goes up
            // by one because the child count drops.
            parent.children.remove(PathRules.name(of: path))
            if context.zxid > parent.pzxid { parent.pzxid = context.zxid }
            nodes[parentPath] = parent
        }
        nodes[path] = nil
        if node.ephemeralOwner != 0 {
            ephemerals[node.ephemeralOwner]?.remove(path)
            if ephemerals[node.ephemeralOwner]?.isEmpty == true {
                ephemerals[node.ephemeralOwner] = nil
            }
        }
        changes.append(.deleted(path))
    }

    // MARK: Rules

    /// ZooKeeper's parent: everything before the last slash, the root when that is empty.
    static func parent(of path: String) -> String {
        PathRules.parent(of: path) ?? "/"
    }

    /// -1 is the wire's "any version", so an explicit -1 matches everything, as on a real server.
    static func checkVersion(_ current: Int32, expected: Int32?, path: String) throws(CoordinationError) {
        guard let expected, expected != -1 else { return }
        if expected != current {
            throw CoordinationError(.badVersion, path: path, detail: "expected version \(expected), found \(current)")
        }
    }

    /// Versions wrap like Java ints, and skip -1 (ZOOKEEPER-4743) so that a client can still name them.
    static func nextVersion(after version: Int32) -> Int32 {
        let next = version &+ 1
        return next == -1 ? 0 : next
    }

    /// Java's `String.format("%010d", n)`: ten characters, zero-padded, the sign counting in the width.
    static func sequenceSuffix(_ value: Int32) -> String {
        let digits = String(value.magnitude)
        let sign = value < 0 ? "-" : ""
        let padding = max(0, 10 - sign.count - digits.count)
        return sign + String(repeating: "0", count: padding) + digits
    }
}
