import Foundation
import Glibc

/// A pvcnoded config file in the temporary directory, as pvcctl reads one for its defaults.
struct NodeConfigFile {
    let path: String

    /// A node of the cluster hv1, hv2, hv3. Without `node`, node.name is left out (the daemon then takes the short
    /// hostname); without `connect`, so is database.zookeeper.connect (every coordinator on port 2181). The unknown
    /// key is one the daemon warns about, which pvcctl must not print.
    static func write(node: String?, connect: String?) throws -> NodeConfigFile {
        var yaml = """
            cluster:
              name: pvcctl-test
              coordinator_nodes: [hv1, hv2, hv3]
            node:
              not_a_pvcnoded_key: 1

            """
        if let node { yaml += "  name: \(node)\n" }
        if let connect { yaml += "database:\n  zookeeper:\n    connect: \"\(connect)\"\n" }
        return try write(yaml)
    }

    static func write(_ yaml: String) throws -> NodeConfigFile {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("pvcctl-\(UUID().uuidString.lowercased()).conf").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return NodeConfigFile(path: path)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A path that does not exist: where tests point pvcctl's standard config file, so that a machine with a real
/// /etc/pvc/pvc.conf does not send them to its cluster.
func absentConfigPath() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("pvcctl-absent-\(UUID().uuidString).conf").path
}

/// The daemon's default node name: the host name up to its first dot.
func shortHostname() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
    let full = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return full.split(separator: ".", maxSplits: 1).first.map(String.init) ?? "localhost"
}
