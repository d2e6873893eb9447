import Foundation
import NodeConfiguration

/// The smallest valid file: the two required keys. Tests add to it so each one shows only what it is about.
let minimalYAML = """
    cluster:
      name: test
      coordinator_nodes: [hv1, hv2, hv3]

    """

/// The sample lives at the package root; `#filePath` finds it without depending on the working directory.
func sampleText(filePath: String = #filePath) throws -> String {
    let root = URL(fileURLWithPath: filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return try String(contentsOf: root.appendingPathComponent("pvcnoded.yaml.sample"), encoding: .utf8)
}

/// Where the warning goes that every file without a cluster domain gets while the default migration templates use
/// `{cluster_domain}` (minimalYAML and the sample among them); tests about other warnings leave it out.
let clusterDomainKey = "cluster.networks.cluster.domain"

extension LoadedConfiguration {
    var warningsBesidesClusterDomain: [ConfigurationWarning] { warnings.filter { $0.key != clusterDomainKey } }
}
