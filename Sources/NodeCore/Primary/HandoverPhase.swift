/// PVC's handover phases (pvc-node-daemon.md §3.3), kept as the order of our steps so that duties
/// added later (DHCP, DNS aggregator, metadata API, Patroni) slot in where PVC runs them:
/// A the candidate announces itself; B the old primary stops its duties; C the upstream address
/// moves; D the cluster and storage addresses; E the metadata address; F the managed networks'
/// gateways; G the candidate starts its duties.
public enum HandoverPhase: String, Sendable, Equatable, CaseIterable, Comparable {
    case a = "A", b = "B", c = "C", d = "D", e = "E", f = "F", g = "G"

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The floating addresses that move in this phase.
    public var networks: [FloatingNetwork] {
        switch self {
        case .c: return [.upstream]
        case .d: return [.cluster, .storage]
        default: return []
        }
    }

    /// The phases in which addresses move, C to F.
    public static let addressPhases: [HandoverPhase] = [.c, .d, .e, .f]
}

/// The two sides of a handover.
public enum HandoverSide: String, Sendable, Equatable {
    case takeover
    case relinquish
}

/// Each side's progress, kept in the data of `/config/primary_node/sync_lock` (which PVC's nodes
/// only ever blank): `epoch=V takeover=NODE:PHASE relinquish=NODE:PHASE`. The epoch is the
/// version of `/config/primary_node` that named the candidate, so a marker left over from an
/// earlier handover is never mistaken for progress in this one. Each side rewrites only its own
/// field, with a compare-and-set on the key's version.
public struct HandoverMarker: Sendable, Equatable {
    public struct Progress: Sendable, Equatable {
        public var node: String
        public var phase: HandoverPhase
        public init(node: String, phase: HandoverPhase) {
            self.node = node
            self.phase = phase
        }
    }

    public var epoch: Int32
    public var takeover: Progress?
    public var relinquish: Progress?

    public init(epoch: Int32, takeover: Progress? = nil, relinquish: Progress? = nil) {
        self.epoch = epoch
        self.takeover = takeover
        self.relinquish = relinquish
    }

    /// nil for anything else (PVC's `""`, garbage): no progress known.
    public init?(parsing text: String) {
        var epoch: Int32?
        var takeover: Progress?
        var relinquish: Progress?
        for field in text.split(separator: " ") {
            let pair = field.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { return nil }
            switch pair[0] {
            case "epoch": epoch = Int32(pair[1])
            case "takeover": takeover = Self.progress(pair[1])
            case "relinquish": relinquish = Self.progress(pair[1])
            default: return nil
            }
        }
        guard let epoch else { return nil }
        self.init(epoch: epoch, takeover: takeover, relinquish: relinquish)
    }

    private static func progress(_ text: Substring) -> Progress? {
        guard let colon = text.lastIndex(of: ":"),
              let phase = HandoverPhase(rawValue: String(text[text.index(after: colon)...])) else { return nil }
        let node = String(text[..<colon])
        return node.isEmpty ? nil : Progress(node: node, phase: phase)
    }

    public var text: String {
        var fields = ["epoch=\(epoch)"]
        if let takeover { fields.append("takeover=\(takeover.node):\(takeover.phase.rawValue)") }
        if let relinquish { fields.append("relinquish=\(relinquish.node):\(relinquish.phase.rawValue)") }
        return fields.joined(separator: " ")
    }

    /// The key's new text after `side` reached `phase` in handover `epoch`: the other side's field
    /// is kept only if it belongs to the same handover.
    public static func updating(_ current: String, epoch: Int32, side: HandoverSide, node: String,
                                phase: HandoverPhase) -> String {
        var marker = HandoverMarker(parsing: current).flatMap { $0.epoch == epoch ? $0 : nil }
            ?? HandoverMarker(epoch: epoch)
        let progress = Progress(node: node, phase: phase)
        switch side {
        case .takeover: marker.takeover = progress
        case .relinquish: marker.relinquish = progress
        }
        return marker.text
    }

    /// How far `side` got in handover `epoch`, if this marker says.
    public func progress(of side: HandoverSide, epoch: Int32) -> Progress? {
        guard self.epoch == epoch else { return nil }
        return side == .takeover ? takeover : relinquish
    }
}
