/// The last keys of a VM a flush or ready has seen: the snapshot it began with, then each record
/// the runtime read after a change of the VM's state key.
public struct ObservedRecord: Sendable, Equatable {
    /// nil: a word PVC does not use.
    public var state: VMState?
    public var node: String
    public var lastNode: String

    public init(state: VMState?, node: String, lastNode: String) {
        self.state = state
        self.node = node
        self.lastNode = lastNode
    }

    /// A transition some node is still carrying out, which a flush waits out before deciding
    /// (PVC §8 flush steps 2 and 5: `restart`, `shutdown`, `migrate`, `unmigrate`; and
    /// `migrate-live`, which PVC forgot).
    public var isTransitional: Bool {
        guard let state else { return false }
        return [.restart, .shutdown, .migrate, .migrateLive, .unmigrate].contains(state)
    }

    /// The state word for a note; garbage shows as `(unreadable)`.
    public var stateWord: String { state?.rawValue ?? "(unreadable)" }

    /// `state S on N` for notes.
    public var summary: String { "state \(stateWord) on \(node.isEmpty ? "(no node)" : node)" }
}
