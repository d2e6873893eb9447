import Foundation
import PackagePlugin

/// Compiles the schema files under `schema/` into ClusterSchema, so the daemon reads them without
/// Foundation's bundle and file APIs (whose libraries alone cost ~8 MiB of resident memory).
@main
struct EmbedSchema: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        // Resolved because listing a symlinked directory yields nothing on Linux.
        let directory = context.package.directoryURL.appending(path: "schema").resolvingSymlinksInPath()
        // Sorted so the generated file, and so the build, does not depend on directory order.
        let inputs = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        guard !inputs.isEmpty else { throw NoSchemaFiles(directory: directory.path()) }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedSchemaFiles.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(inputs.count) schema files into \(target.name)",
                executable: try context.tool(named: "schema-embedder").url,
                arguments: [output.path()] + inputs.map { $0.path() },
                inputFiles: inputs,
                outputFiles: [output]),
        ]
    }
}

struct NoSchemaFiles: Error, CustomStringConvertible {
    var directory: String
    var description: String { "no schema files (*.json) in \(directory)" }
}
