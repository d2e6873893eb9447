/// Why a schema could not be loaded or a key could not be resolved.
///
/// Unknown keys are errors: PVC silently returns None for them, which is how writes to
/// not-yet-valid paths clobbered data (pvc-node-daemon.md §14.3 item 15).
public enum SchemaError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownVersion(Int)
    case malformed(version: Int?, String)
    case unknownGroup(String)
    case unknownKey(String)
    /// A base key given an item, or a per-item key given none.
    case wrongArity(key: String, String)
    case invalidItem(group: String, item: String)
    /// The sub-item's group does not live under the given parent key.
    case notUnder(subKey: String, parentKey: String)

    public var description: String {
        switch self {
        case .unknownVersion(let version): return "no schema version \(version) is installed"
        case .malformed(let version, let detail):
            return "malformed schema\(version.map { " version \($0)" } ?? ""): \(detail)"
        case .unknownGroup(let group): return "unknown schema group '\(group)'"
        case .unknownKey(let key): return "unknown schema key '\(key)'"
        case .wrongArity(let key, let detail): return "schema key '\(key)': \(detail)"
        case .invalidItem(let group, let item): return "invalid \(group) item name '\(item)'"
        case .notUnder(let subKey, let parentKey): return "'\(subKey)' does not live under '\(parentKey)'"
        }
    }
}
