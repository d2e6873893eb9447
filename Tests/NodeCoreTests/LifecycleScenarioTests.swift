import Foundation
import Testing

/// Runs every scenario file and compares its output with the golden output in the file.
/// `UPDATE_SCENARIOS=1 swift test --filter LifecycleScenario` rewrites the files in the source
/// tree; review the diff before committing it.
@Suite struct LifecycleScenarioTests {
    static func scenarioNames() -> [String] {
        guard let directory = Bundle.module.url(forResource: "Scenarios", withExtension: nil),
              let files = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        return files.filter { $0.hasSuffix(".txt") }.sorted()
    }

    @Test func scenariosAreBundled() {
        #expect(Self.scenarioNames().count >= 4)
    }

    @Test(arguments: scenarioNames())
    func scenario(_ name: String) throws {
        let directory = try #require(Bundle.module.url(forResource: "Scenarios", withExtension: nil))
        let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
        let file = ScenarioFile(parsing: text)
        var runner = try LifecycleScenarioRunner()
        var outputs: [[String]?] = []
        for block in file.blocks {
            outputs.append(try runner.run(block.command))
        }
        if ProcessInfo.processInfo.environment["UPDATE_SCENARIOS"] == "1" {
            let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("Scenarios").appendingPathComponent(name)
            try file.rendered(outputs: outputs).write(to: source, atomically: true, encoding: .utf8)
            return
        }
        for (block, output) in zip(file.blocks, outputs) {
            #expect(block.expected == output, "\(name): \(block.command)")
        }
    }
}
