import Coordination
import Foundation
import LocalServices
import ZooKeeper

/// A cluster of its own under a fresh chroot (the schema lives at fixed root paths), on the
/// shared test server unless `hosts` names another, so this suite runs beside the others.
struct ClusterChroot {
    let hosts: String
    let chroot: String
    /// A session inside the chroot: the operator's writes and the tests' reads.
    let operatorSession: ZooKeeperClient

    static func make(hosts given: String? = nil) async throws -> ClusterChroot {
        let hosts: String
        if let given {
            hosts = given
        } else {
            hosts = try await SharedTestZooKeeper.connectString()
        }
        let chroot = "/cluster-\(UUID().uuidString.prefix(8).lowercased())"
        let root = try await ZooKeeperClient.connect(configuration(hosts: hosts, chroot: nil))
        _ = try await root.create(chroot, data: [], mode: .persistent)
        await root.close()
        return ClusterChroot(hosts: hosts, chroot: chroot,
                             operatorSession: try await ZooKeeperClient.connect(configuration(hosts: hosts, chroot: chroot)))
    }

    /// Long enough to outlive a leader election on a loaded machine: an observer that lost its
    /// session would stop seeing changes.
    static func configuration(hosts: String, chroot: String?) -> ZooKeeperClient.Configuration {
        var configuration = ZooKeeperClient.Configuration(hosts: hosts, chroot: chroot)
        configuration.connectTimeout = .seconds(20)
        configuration.sessionTimeout = .seconds(30)
        return configuration
    }

    /// keepalive 1 s × fence_intervals 3: a SIGKILLed primary counts as gone after 3 s.
    static let keepaliveSeconds = 1
    static let fenceIntervals = 3

    /// `clusterExtra`: more lines of the `cluster:` section, indented by two (e.g. `networks:`).
    func config(node: String, coordinators: [String], clusterExtra: String = "") -> String {
        """
        node:
          name: \(node)
        cluster:
          name: test
          coordinator_nodes: [\(coordinators.joined(separator: ", "))]
        \(clusterExtra)
        database:
          zookeeper:
            connect: "\(hosts)\(chroot)"
        timer:
          keepalive_interval: \(Self.keepaliveSeconds)
        fencing:
          intervals:
            fence_intervals: \(Self.fenceIntervals)

        """
    }

    func value(_ path: String) async -> String? {
        guard let data = try? await operatorSession.get(path).data else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// What an operator (PVC's API, `pvcctl`) does to move the role: write the key, no version.
    func setPrimaryNode(_ value: String) async throws {
        _ = try await operatorSession.set("/config/primary_node", data: Array(value.utf8))
    }

    /// Waits, on a watch, until `path`'s value satisfies `predicate`; false after `timeout`.
    func waitFor(_ path: String, timeout: Duration, _ predicate: @escaping @Sendable (String?) -> Bool) async -> Bool {
        let values = operatorSession.watchData(path)
        return await withDeadline(timeout) {
            for await value in values where predicate(value.map { String(decoding: $0.data, as: UTF8.self) }) {
                return true
            }
            return false
        } ?? false
    }

    func close() async {
        await operatorSession.close()
    }
}
