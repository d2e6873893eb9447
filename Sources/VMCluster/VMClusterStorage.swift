import Foundation
import LocalServices
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Ceph for a `VMCluster` (`Options.ceph`): the nodes' storage configuration, the libvirt secret
/// qemu authenticates with, RBD images and guests with RBD disks, and what Ceph says of their locks.
extension VMCluster {
    /// The libvirt secret (usage `ceph`, `client.admin secret`) every node's libvirtd gets.
    public static let cephSecretUUID = "6c1a3c52-1f0e-4b8e-9a43-52b5d0c0ffee"

    /// One RBD lock as `rbd lock ls --format json` lists it.
    public struct RBDLock: Sendable, Equatable, Decodable, CustomStringConvertible {
        /// The cookie (`auto <n>` for librbd's exclusive lock).
        public let id: String
        /// `client.<n>`.
        public let locker: String
        /// `ip:port/nonce`.
        public let address: String

        /// The address without port and nonce, what the daemons compare with `storage.client_address`.
        public var host: String { String(address.split(separator: ":").first ?? "") }
        public var description: String { "\(id) by \(locker) at \(address)" }
    }

    /// The lines added to a node's YAML when `options.ceph` is set (empty otherwise).
    static func storageSection(node: String, options: Options) -> String {
        guard let ceph = options.ceph else { return "" }
        let address: String? = options.storageAddress.map { $0(node) } ?? "127.0.0.1"
        let directory = (ceph.configFile as NSString).deletingLastPathComponent
        return """
            subsystem:
              enable_storage: true
            path:
              ceph_directory: "\(directory)"
            ceph:
              ceph_config_file: "\((ceph.configFile as NSString).lastPathComponent)"
              ceph_keyring_file: "\((ceph.keyringFile as NSString).lastPathComponent)"
            storage:
            \(address.map { "  client_address: \"\($0)\"" } ?? "  # client_address: unset")
              connect_timeout: 3
              operation_timeout: 3

            """
    }

    /// The base64 key of `client.admin` in `keyring` (`key = AQ...==`).
    static func cephAdminKey(keyring: String) throws -> String {
        let text = try String(contentsOfFile: keyring, encoding: .utf8)
        var inAdmin = false
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("[") {
                inAdmin = trimmed == "[client.admin]"
                continue
            }
            let parts = trimmed.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if inAdmin, parts.count == 2, parts[0] == "key", !parts[1].isEmpty { return parts[1] }
        }
        throw storageError("no client.admin key in \(keyring)")
    }

    /// `virsh secret-define` + `secret-set-value --file` (libvirt 9.0 refuses the key on the
    /// command line as "insecure"; the file holds the base64 key, which virsh decodes).
    static func defineCephSecret(uri: String, uuid: String, key: String) async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("pvc-secret-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let xmlFile = scratch.appendingPathComponent("secret.xml").path
        let keyFile = scratch.appendingPathComponent("key.b64").path
        let xml = """
            <secret ephemeral='no' private='no'>
              <uuid>\(uuid)</uuid>
              <usage type='ceph'><name>client.admin secret</name></usage>
            </secret>
            """
        try xml.write(toFile: xmlFile, atomically: true, encoding: .utf8)
        try key.write(toFile: keyFile, atomically: true, encoding: .utf8)
        _ = try await ToolCommand.run("/usr/bin/virsh", ["-c", uri, "secret-define", xmlFile], timeout: 60)
        _ = try await ToolCommand.run("/usr/bin/virsh", ["-c", uri, "secret-set-value", "--secret", uuid, "--file", keyFile],
                              timeout: 60)
    }

    /// The Ceph given in the options; throws if there is none.
    public var ceph: CephCluster {
        get throws {
            guard let ceph = options.ceph else { throw storageError("this VMCluster has no Options.ceph") }
            return ceph
        }
    }

    /// A guest disk on `volume` (`pool/image`) through the mon's msgr v1 port (qemu's librbd
    /// takes `host` + `port` as a legacy v1 address), authenticated by `cephSecretUUID`.
    public func rbdDisk(_ volume: String) throws -> TestGuest.RBDDisk {
        let ceph = try ceph
        guard let port = ceph.monitorV1Port else {
            throw storageError("no mon port in \(ceph.directory)/layout")
        }
        return TestGuest.RBDDisk(volume: volume, monitorHost: "127.0.0.1", monitorPort: port, user: "admin",
                                 secretUUID: Self.cephSecretUUID)
    }

    /// `rbd create --size <sizeMiB>M rbd/<name>`; returns `rbd/<name>`.
    @discardableResult
    public func createImage(_ name: String, sizeMiB: Int = 16) async throws -> String {
        let volume = "rbd/\(name)"
        _ = try await ceph.rbd(["create", "--size", "\(sizeMiB)M", volume])
        return volume
    }

    /// `rbd lock ls --format json <volume>`.
    public func rbdLocks(_ volume: String) async throws -> [RBDLock] {
        let text = try await ceph.rbd(["lock", "ls", "--format", "json", volume], timeout: 30)
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return [] }
        return try JSONDecoder().decode([RBDLock].self, from: Data(trimmed.utf8))
    }
}

extension CephCluster {
    /// The mon's msgr v1 port, the lower of the pair in DIR/layout (`monitorAddress` is the v2 one).
    public var monitorV1Port: Int? {
        let path = (directory as NSString).appendingPathComponent("layout")
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return text.split(whereSeparator: \.isNewline).compactMap { line -> Int? in
            let parts = line.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0] == "port" else { return nil }
            return Int(parts[1])
        }.min()
    }
}

private func storageError(_ text: String) -> FleetError {
    FleetError(description: text)
}
