import Foundation

/// Runs scenario files against their golden output, the data-driven style of etcd's raft tests
/// and Proxmox HA's simulator: events in, decisions out, compared line by line. With
/// `UPDATE_SCENARIOS=1` the files in the source tree are rewritten with what the core decided
/// instead; review that diff before committing it.
public enum GoldenScenarios {
    public struct Mismatch: Sendable, CustomStringConvertible {
        public let file: String
        public let command: String
        public let expected: [String]?
        public let actual: [String]?

        public var description: String {
            "\(file): \(command)\n--- expected\n\((expected ?? ["(no output)"]).joined(separator: "\n"))\n"
                + "--- actual\n\((actual ?? ["(no output)"]).joined(separator: "\n"))"
        }
    }

    public static var updating: Bool {
        ProcessInfo.processInfo.environment["UPDATE_SCENARIOS"] == "1"
    }

    /// The `.txt` files of a directory, sorted.
    public static func files(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".txt") }.sorted().map { directory + "/" + $0 }
    }

    /// Runs one file with a fresh runner; returns every block whose output differs (none when
    /// updating, after rewriting the file).
    public static func check<Runner: ScenarioRunner>(_ path: String, with runner: Runner) throws -> [Mismatch] {
        var runner = runner
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let file = ScenarioFile(parsing: text)
        var outputs: [[String]?] = []
        for block in file.blocks {
            do {
                outputs.append(try runner.run(ScenarioCommand(block.command)))
            } catch {
                outputs.append(["error: \(error)"])
            }
        }
        if updating {
            try file.rendered(outputs: outputs).write(toFile: path, atomically: true, encoding: .utf8)
            return []
        }
        let name = (path as NSString).lastPathComponent
        return zip(file.blocks, outputs).compactMap { block, output in
            block.expected == output ? nil
                : Mismatch(file: name, command: block.command, expected: block.expected, actual: output)
        }
    }
}
