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

    private func temporaryFile(bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("pvcnoded-config-\(UUID().uuidString).yaml").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        return path
    }

    @Test func invalidUTF8IsRefusedWithItsLine() throws {
        let path = try temporaryFile(bytes: Array(minimalYAML.utf8) + Array("node: {name: hv".utf8) + [0xFF, 0x0A])
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            try ConfigurationLoader.load(explicitPath: path, environment: [:], hostname: "x")
        } throws: { error in
            (error as? ConfigurationError)?.kind == .malformed
                && (error as? ConfigurationError)?.description == "\(path): not UTF-8 text: invalid byte sequence at line 4"
        }
    }

    @Test func oversizedFileIsRefused() throws {
        let path = try temporaryFile(bytes: Array(minimalYAML.utf8) + Array(repeating: 0x23, count: 1 << 20))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            try ConfigurationLoader.load(explicitPath: path, environment: [:], hostname: "x")
        } throws: { error in
            (error as? ConfigurationError)?.kind == .unreadable
                && (error as? ConfigurationError)?.problem.contains("larger than 1 MiB") == true
        }
    }

    @Test func directoryIsUnreadable() {
        #expect {
            try ConfigurationLoader.load(explicitPath: "/", environment: [:], hostname: "x")
        } throws: { error in
            (error as? ConfigurationError)?.description.hasPrefix("/: cannot read: ") == true
        }
    }

    @Test func processEnvironmentIsRead() {
        let environment = ConfigurationLoader.processEnvironment()
        #expect(environment == ProcessInfo.processInfo.environment)
    }
}
