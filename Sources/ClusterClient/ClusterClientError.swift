/// Why a client operation refused or failed; each reads as one line for an operator.
public enum ClusterClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The domain XML is not XML, or lacks `<name>` or `<uuid>`.
    case invalidXML(String)
    /// A VM with this name or UUID is already defined (`existing` is its UUID).
    case alreadyDefined(field: String, value: String, existing: String)
    /// No VM has this name or UUID.
    case noSuchVM(String)
    /// No `/nodes/<name>`.
    case noSuchNode(String)
    /// An argument PVC's CLI would not accept (unknown selector or migration method, ...).
    case invalidArgument(String)
    /// `shutdown` and `restart` need the VM in `start`.
    case notRunning(vm: String, state: String?)
    /// `flush-locks` without force needs the VM in `stop`, `disable`, `fail` or `mirror`.
    case notStopped(vm: String, state: String?)
    /// `migrate` of a VM whose `lastnode` is set, without force.
    case previouslyMigrated(vm: String, lastNode: String)
    /// `unmigrate` of a VM whose `lastnode` is empty.
    case notPreviouslyMigrated(vm: String)
    case targetOutsideLimit(vm: String, target: String, limit: String)
    case alreadyOnNode(vm: String, node: String)
    /// No target given and target selection found none; `summary` says why.
    case noTarget(vm: String, summary: String)
    /// The exclusive lock on `path` was not ours within `timeout`.
    case lockTimeout(path: String, timeout: Duration)
    /// A bounded wait ended with `subject` still in `state` at `path`.
    case waitTimedOut(subject: String, path: String, state: String?, timeout: Duration)
    /// The watch stopped (the session ended) before the wait was over.
    case watchEnded(subject: String, path: String)
    /// A wait ended in a state that is not the one the operation asked for (a shutdown that
    /// ended in `fail`, a flush that ended in `flush-failed`).
    case endedIn(subject: String, path: String, state: String?, expected: String)
    /// The VM is back in `start` but on `node`, not on `target`: the source node aborted.
    case migrationAborted(vm: String, node: String?, target: String)
    /// Someone else wrote one of the keys between our read and our write; nothing was written.
    case concurrentChange(path: String)
    /// A key the operation needs is missing (the cluster is not initialized, the VM half-deleted).
    case missingKey(String)
    case schema(key: String, detail: String)

    public var description: String {
        switch self {
        case .invalidXML(let detail):
            return "invalid domain XML: \(detail)"
        case .alreadyDefined(let field, let value, let existing):
            return "a VM with \(field) '\(value)' is already defined (\(existing))"
        case .noSuchVM(let vm):
            return "no VM named '\(vm)' or with that UUID in the cluster"
        case .noSuchNode(let node):
            return "no node '\(node)' in the cluster"
        case .invalidArgument(let detail):
            return detail
        case .notStopped(let vm, let state):
            return "VM \(vm) is in state \(state ?? "(none)"); its locks can only be flushed while it is stopped, "
                + "disabled, failed or mirrored (--force to flush them anyway)"
        case .notRunning(let vm, let state):
            return "VM \(vm) is not running (state \(Self.shown(state))); nothing written"
        case .previouslyMigrated(let vm, let lastNode):
            return "VM \(vm) has been previously migrated (lastnode '\(lastNode)'); use force, move or unmigrate; nothing written"
        case .notPreviouslyMigrated(let vm):
            return "VM \(vm) has not been previously migrated (lastnode is empty); nothing written"
        case .targetOutsideLimit(let vm, let target, let limit):
            return "node '\(target)' is not in the allowed list of nodes for VM \(vm) (node_limit '\(limit)'); nothing written"
        case .alreadyOnNode(let vm, let node):
            return "VM \(vm) is already on node '\(node)'; nothing written"
        case .noTarget(let vm, let summary):
            return "could not find a valid migration target for VM \(vm): \(summary); nothing written"
        case .lockTimeout(let path, let timeout):
            return "the lock on \(path) was not free within \(Self.seconds(timeout)) s (a node migrating the VM holds it); nothing written"
        case .waitTimedOut(let subject, let path, let state, let timeout):
            return "\(subject) is still in state \(Self.shown(state)) after \(Self.seconds(timeout)) s (\(path)); the request was written, the wait gave up"
        case .watchEnded(let subject, let path):
            return "lost the ZooKeeper session while waiting on \(subject) (\(path))"
        case .endedIn(let subject, let path, let state, let expected):
            return "\(subject) ended in state \(Self.shown(state)), not '\(expected)' (\(path))"
        case .migrationAborted(let vm, let node, let target):
            return "the migration of VM \(vm) to '\(target)' was aborted: it is in 'start' on node \(Self.shown(node))"
        case .concurrentChange(let path):
            return "\(path) changed while we wrote (another client or a node); nothing written, try again"
        case .missingKey(let path):
            return "\(path) does not exist; is the cluster initialized?"
        case .schema(let key, let detail):
            return "schema key \(key): \(detail)"
        }
    }

    static func shown(_ value: String?) -> String {
        value.map { "'\($0)'" } ?? "missing"
    }

    static func seconds(_ duration: Duration) -> String {
        let (whole, fraction) = duration.components
        let value = Double(whole) + Double(fraction) / 1e18
        return value == value.rounded() ? String(Int64(value)) : String(value)
    }
}
