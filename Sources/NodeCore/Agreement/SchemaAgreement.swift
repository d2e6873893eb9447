/// This node's part in the cluster-wide schema agreement and hot upgrade (PVC §1.4). Pure: the
/// runtime reads, locks, migrates and re-executes; this core only decides what comes next.
///
/// - After its registration commits, a node whose build knows a newer version than the cluster runs
///   (`latest > active`) reads every node's `latestschema`; when every one of them is at least some
///   V above the cluster's version, it raises `/schema/version` to the highest such V. So the last
///   node to install a newer build triggers the upgrade, and one node on an older build blocks it.
/// - Every change of `/schema/version` to a version other than the active one starts an upgrade:
///   keepalives stop; a coordinator contends for the exclusive lock and migrates the tree unless a
///   coordinator before it already did; a hypervisor waits on read locks until the tree is there;
///   then the node records its new active version and re-executes itself in place, or exits with
///   code 150 for systemd to restart it when it cannot.
public struct SchemaAgreement: Sendable, Equatable {
    public enum Phase: Sendable, Equatable {
        case steady
        /// Keepalives stopped; the tree is being brought to `target`.
        case upgrading(target: Int)
        /// The new active version is being recorded.
        case recording(target: Int)
        /// Nothing more happens in this process.
        case restarting
    }

    public let node: String
    public let role: NodeRole
    public private(set) var active: Int
    public let latest: Int
    /// The versions this build can run with.
    public let known: Set<Int>
    public private(set) var phase: Phase = .steady

    /// Exit code when the daemon cannot re-execute itself (LSB's application-reserved 150, PVC's).
    public static let restartExitCode: Int32 = 150

    public init(node: String, role: NodeRole, active: Int, latest: Int, known: Set<Int>) {
        self.node = node
        self.role = role
        self.active = active
        self.latest = latest
        self.known = known
    }

    /// Registration committed. Only a node with a newer build than the cluster runs looks at its
    /// peers, so a cluster in agreement pays no reads for it.
    public func onRegistered() -> [SchemaDirective] {
        guard phase == .steady, latest > active else { return [] }
        return [.readPeers]
    }

    /// The peers' `latestschema` as read (nil: missing or unreadable), this node included or not,
    /// and the cluster's version with the stat version it was read at.
    public func onPeersRead(clusterVersion text: String?, stat: Int32,
                            peers: [String: String?]) -> [SchemaDirective] {
        guard phase == .steady else { return [] }
        guard let cluster = text.flatMap(Self.parse) else {
            return [.note("not raising the schema version: the cluster's version is unreadable")]
        }
        var lowest = latest
        for (name, value) in peers.sorted(by: { $0.key < $1.key }) where name != node {
            guard let version = value.flatMap(Self.parse) else {
                return [.note("not raising the schema version: node \(name) reports no latest schema")]
            }
            if version <= cluster {
                return [.note("not raising the schema version: node \(name) knows only \(version)")]
            }
            lowest = min(lowest, version)
        }
        guard lowest > cluster else { return [] }
        return [.note("every node knows schema \(lowest): raising the cluster from \(cluster)"),
                .raiseClusterVersion(to: lowest, ifStatVersion: stat)]
    }

    /// The value of `/schema/version` as the watch reports it (nil: deleted).
    public mutating func onClusterVersionChanged(_ text: String?) -> [SchemaDirective] {
        guard phase == .steady else { return [] }
        guard let text else { return [.note("the cluster's schema version is gone; staying at \(active)")] }
        guard let target = Self.parse(text) else {
            return [.note("the cluster's schema version '\(text.prefix(64))' is not a version; staying at \(active)")]
        }
        guard target != active else { return [] }
        guard known.contains(target) else {
            return [.note("the cluster moved to schema \(target), which this build does not know; staying at \(active)")]
        }
        phase = .upgrading(target: target)
        let tree: SchemaDirective = role == .coordinator
            ? .migrateExclusively(from: active, to: target)
            : .awaitMigration(to: target)
        return [.note("the cluster moved from schema \(active) to \(target)"), .stopKeepalives, tree]
    }

    /// The tree is at the target (`migrated`), or the wait for it ended without that. Either way the
    /// node goes on: after the restart, startup validation under the write lock creates whatever
    /// key is still missing.
    public mutating func onTreeSettled(migrated: Bool) -> [SchemaDirective] {
        guard case .upgrading(let target) = phase else { return [] }
        phase = .recording(target: target)
        var directives: [SchemaDirective] = []
        if !migrated {
            directives.append(.note("the tree was not confirmed at schema \(target); startup validation will complete it"))
        }
        return directives + [.writeActive(target)]
    }

    /// The new active version was written, or not: a restarted node writes it again at registration.
    public mutating func onActiveWritten(succeeded: Bool) -> [SchemaDirective] {
        guard case .recording(let target) = phase else { return [] }
        active = target
        phase = .restarting
        return [.reexecute]
    }

    public func onReexecuteFailed() -> [SchemaDirective] {
        guard phase == .restarting else { return [] }
        return [.exit(Self.restartExitCode)]
    }

    /// A version as PVC writes it: decimal digits, surrounding whitespace allowed.
    public static func parse(_ text: String) -> Int? {
        var trimmed = Substring(text)
        while trimmed.first?.isWhitespace == true { trimmed.removeFirst() }
        while trimmed.last?.isWhitespace == true { trimmed.removeLast() }
        guard !trimmed.isEmpty, trimmed.count <= 9, trimmed.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(trimmed)
    }
}

/// What the schema agreement asks its runtime to do.
public enum SchemaDirective: Sendable, Equatable {
    /// A line for the log.
    case note(String)
    /// Read `/schema/version` (value and stat version) and every node's `latestschema`, then call
    /// `onPeersRead`.
    case readPeers
    /// Set `/schema/version` to the version, only if it is still at that stat version.
    case raiseClusterVersion(to: Int, ifStatVersion: Int32)
    /// No more keepalives in this process.
    case stopKeepalives
    /// Take the exclusive lock on `/schema/version`; unless the tree is already at `to`, migrate it
    /// from `from`, record it as at `to`; release; call `onTreeSettled`.
    case migrateExclusively(from: Int, to: Int)
    /// Wait on read locks on `/schema/version` until the tree is recorded at the version (bounded);
    /// call `onTreeSettled`.
    case awaitMigration(to: Int)
    /// Write `/nodes/N/activeschema`, then call `onActiveWritten`.
    case writeActive(Int)
    /// Close the session and `execv` the same binary with the same arguments; on failure call
    /// `onReexecuteFailed`.
    case reexecute
    case exit(Int32)
}
