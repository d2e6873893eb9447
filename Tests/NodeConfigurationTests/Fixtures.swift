import Foundation

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
