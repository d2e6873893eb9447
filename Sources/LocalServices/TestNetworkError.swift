/// Failures of `TestNetwork` that are not a failing script (those are `LocalServiceError`).
public enum TestNetworkError: Error, CustomStringConvertible {
    /// Namespaces, bridges and veths need root; the message says so instead of a wall of
    /// "Operation not permitted" from `ip`.
    case notRoot(euid: UInt32)
    /// Nothing answered at ADDRESS:PORT within the deadline (or the connection failed).
    case noAnswer(address: String, port: Int, reason: String)
    /// A node index outside 1...nodes.
    case noSuchNode(Int, nodes: Int)

    public var description: String {
        switch self {
        case let .notRoot(euid):
            return "test networks need root (network namespaces, bridges, veths), but this "
                + "process runs as uid \(euid); run the tests as root (CI does)"
        case let .noAnswer(address, port, reason):
            return "no answer from \(address):\(port): \(reason)"
        case let .noSuchNode(index, nodes):
            return "node \(index) does not exist (the network has nodes 1...\(nodes))"
        }
    }
}
