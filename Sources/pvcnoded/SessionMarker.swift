import Coordination
import Logging

/// `/sessions/NODE`, an ephemeral znode each daemon creates once registered: it exists exactly as
/// long as the node's ZooKeeper session, which is what a peer needs to know before it takes a
/// silent primary's floating addresses (`PeerRouter.isGone`). An extension key: PVC's tools
/// ignore it, and a PVC daemon in the cluster simply has none.
enum SessionMarker {
    /// Creates the marker for this session; one left by this node's previous session (not yet
    /// expired on the server) is replaced, since only one daemon runs per node.
    static func register(_ node: String, store: any CoordinationStore, sessions: String, logger: Logger) async {
        let path = sessions + "/" + node
        do {
            if try await store.exists(sessions) == nil {
                do {
                    _ = try await store.create(sessions, data: [], mode: .persistent)
                } catch let error as CoordinationError where error.code == .nodeExists {
                    // Another node created it first.
                }
            }
            do {
                _ = try await store.create(path, data: Array(node.utf8), mode: .ephemeral)
            } catch let error as CoordinationError where error.code == .nodeExists {
                try? await store.delete(path)
                _ = try await store.create(path, data: Array(node.utf8), mode: .ephemeral)
            }
        } catch {
            // Without it peers treat this node's session as live while silent: safe, only slower.
            logger.warning("could not create the session marker; a takeover after this node's crash waits for its fence",
                           metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }

    /// Whether `node`'s marker exists; a read that fails counts as live (never take addresses on
    /// a guess).
    static func isLive(_ node: String, store: any CoordinationStore, sessions: String, logger: Logger) async -> Bool {
        do {
            return try await store.exists(sessions + "/" + node) != nil
        } catch {
            logger.warning("cannot read a node's session marker; counting its session as live",
                           metadata: ["node": "\(node)", "error": "\(error)"])
            return true
        }
    }
}
