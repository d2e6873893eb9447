/// An RBD image as PVC stores a VM's disks: `pool/name`.
public struct RBDImage: Sendable, Hashable, CustomStringConvertible {
    public let pool: String
    public let name: String

    public init(pool: String, name: String) {
        self.pool = pool
        self.name = name
    }

    /// nil for text that is not exactly one non-empty pool and one non-empty name; the name may
    /// not contain another slash (namespaces are not used by PVC).
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        pool = String(parts[0])
        name = String(parts[1])
    }

    public var description: String { "\(pool)/\(name)" }
}
