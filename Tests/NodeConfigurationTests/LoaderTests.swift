import Foundation
import Testing
@testable import NodeConfiguration

@Suite struct LoaderTests {
    private func temporaryFile(_ contents: String) throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("pvcnoded-config-\(UUID().uuidString).yaml").path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func environmentVariableFindsTheFile() throws {
        let path = try temporaryFile(minimalYAML + "node: {name: hv5}\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let loaded = try ConfigurationLoader.load(environment: ["PVC_CONFIG_FILE": path], hostname: "x")
        #expect(loaded.file == path)
        #expect(loaded.configuration.node.name == "hv5")
    }

    @Test func explicitPathWinsOverTheEnvironment() throws {
        let path = try temporaryFile(minimalYAML + "node: {name: explicit}\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let loaded = try ConfigurationLoader.load(
            explicitPath: path, environment: ["PVC_CONFIG_FILE": "/nonexistent/other.yaml"], hostname: "x")
        #expect(loaded.configuration.node.name == "explicit")
    }

    @Test func noPathAtAllIsAnError() {
        #expect {
            try ConfigurationLoader.locate(explicitPath: nil, environment: ["PVC_CONFIG_FILE": ""])
        } throws: { error in
            (error as? ConfigurationError)?.kind == .unreadable
                && (error as? ConfigurationError)?.description.contains("PVC_CONFIG_FILE") == true
        }
    }

    @Test func missingFileNamesThePath() {
        let path = "/nonexistent/pvcnoded-\(UUID().uuidString).yaml"
        #expect {
            try ConfigurationLoader.load(environment: ["PVC_CONFIG_FILE": path], hostname: "x")
        } throws: { error in
            (error as? ConfigurationError)?.kind == .unreadable && (error as? ConfigurationError)?.file == path
        }
    }

    @Test func errorsInTheFileNameItsPath() throws {
        let path = try temporaryFile(minimalYAML + "timer: {keepalive_interval: fast}\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            try ConfigurationLoader.load(environment: ["PVC_CONFIG_FILE": path], hostname: "x")
        } throws: { error in
            (error as? ConfigurationError)?.description
                == #"\#(path): timer.keepalive_interval: expected a positive number of seconds, got "fast""#
        }
    }
}
