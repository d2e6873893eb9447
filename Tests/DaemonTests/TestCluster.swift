import Coordination
import Foundation
import LocalServices
import ZooKeeper

/// A cluster of its own on the shared test server: the schema lives at fixed root paths, so each
/// test gets a chroot, given to the daemons in their connect string.
struct TestCluster {
    let hosts: String
    let chroot: String
    /// A session inside the chroot, to watch the daemons from.
    let observer: ZooKeeperClient

    /// On the shared test server unless `hosts` names another.
    static func make(hosts given: String? = nil) async throws -> TestCluster {
        let hosts: String
        if let given {
            hosts = given
        } else {
            hosts = try await SharedTestZooKeeper.connectString()
        }
        let chroot = "/test-\(UUID().uuidString.prefix(8).lowercased())"
        var setup = ZooKeeperClient.Configuration(hosts: hosts)
        setup.connectTimeout = .seconds(20)
        let root = try await ZooKeeperClient.connect(setup)
        _ = try await root.create(chroot, data: [], mode: .persistent)
        await root.close()
        var inside = ZooKeeperClient.Configuration(hosts: hosts, chroot: chroot)
        inside.connectTimeout = .seconds(20)
        // The observer must outlive a server restart on a loaded machine: the client presumes its
        // session expired a timeout after the last contact it can vouch for, which for a server
        // killed outright may be sooner than the server itself would expire it.
        inside.sessionTimeout = .seconds(30)
        return TestCluster(hosts: hosts, chroot: chroot, observer: try await ZooKeeperClient.connect(inside))
    }

    func config(node: String, coordinators: [String] = ["hv1", "hv2"], keepalive: String = "1") -> String {
        """
        node:
          name: \(node)
        cluster:
          name: test
          coordinator_nodes: [\(coordinators.joined(separator: ", "))]
        database:
          zookeeper:
            connect: "\(hosts)\(chroot)"
        timer:
          keepalive_interval: \(keepalive)

        """
    }

    func value(_ path: String) async -> String? {
        guard let data = try? await observer.get(path).data else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Polls until `path` holds `expected`; true if it did within `timeout`.
    func waitFor(_ path: String, toBe expected: String, timeout: Duration = .seconds(20)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await value(path) == expected { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    func create(_ path: String, _ value: String) async throws {
        _ = try await observer.create(path, data: Array(value.utf8), mode: .persistent)
    }

    func set(_ path: String, _ value: String) async throws {
        _ = try await observer.set(path, data: Array(value.utf8))
    }

    func close() async {
        await observer.close()
    }
}
