/// One holder of an advisory RBD lock, as `rbd lock ls` shows it.
public struct RBDLocker: Sendable, Hashable {
    /// The holder's entity, e.g. `client.4166`.
    public let client: String
    /// The cookie the holder chose (`rbd lock add IMAGE COOKIE`).
    public let cookie: String
    /// The holder's messenger address, e.g. `127.0.0.1:0/2822428233`.
    public let address: String

    public init(client: String, cookie: String, address: String) {
        self.client = client
        self.cookie = cookie
        self.address = address
    }

    /// The IP part of `address`: how a node tells its own locks from another node's. Handles
    /// the `v1:`/`v2:`/`any:` type prefixes and `[IPv6]:port` forms in case librbd returns them.
    public var host: String { Self.host(of: address) }

    static func host(of address: String) -> String {
        var rest = Substring(address)
        for prefix in ["v1:", "v2:", "any:"] where rest.hasPrefix(prefix) {
            rest = rest.dropFirst(prefix.count)
        }
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return String(rest) }
            return String(rest[rest.index(after: rest.startIndex)..<close])
        }
        if let colon = rest.firstIndex(of: ":") {
            return String(rest[..<colon])
        }
        if let slash = rest.firstIndex(of: "/") {
            return String(rest[..<slash])
        }
        return String(rest)
    }
}

/// The advisory locks on one image (`rbd_list_lockers`).
public struct RBDLocks: Sendable, Equatable {
    public let exclusive: Bool
    public let tag: String
    public let lockers: [RBDLocker]

    public init(exclusive: Bool, tag: String, lockers: [RBDLocker]) {
        self.exclusive = exclusive
        self.tag = tag
        self.lockers = lockers
    }
}

/// A client watching an image's header: a VM (qemu) or an `rbd` command that has it open.
public struct RBDWatcher: Sendable, Hashable {
    public let address: String
    public let id: Int64
    public let cookie: UInt64

    public init(address: String, id: Int64, cookie: UInt64) {
        self.address = address
        self.id = id
        self.cookie = cookie
    }

    /// The IP part of `address`, as for `RBDLocker.host`.
    public var host: String { RBDLocker.host(of: address) }
}
