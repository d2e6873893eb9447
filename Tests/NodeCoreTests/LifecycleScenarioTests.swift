import Foundation
import ScenarioTesting
import Testing

/// Runs every lifecycle scenario file and compares its output with the golden output in the file.
/// `UPDATE_SCENARIOS=1 swift test --filter LifecycleScenario` rewrites the files in the source
/// tree; review the diff before committing it.
@Suite struct LifecycleScenarioTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Scenarios/Lifecycle").path

    @Test func scenariosArePresent() {
        #expect(GoldenScenarios.files(in: Self.directory).count >= 4)
    }

    @Test(arguments: GoldenScenarios.files(in: directory))
    func scenario(_ path: String) throws {
        for mismatch in try GoldenScenarios.check(path, with: try LifecycleScenarioRunner()) {
            Issue.record("\(mismatch)")
        }
    }
}
