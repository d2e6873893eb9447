import Foundation
import ScenarioTesting
import Testing

/// The flush and ready cores' scenarios (pvc-node-daemon.md §8 as this project decides it).
/// `UPDATE_SCENARIOS=1 swift test --filter FlushScenario` rewrites the goldens.
@Suite struct FlushScenarioTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Scenarios/Flush").path

    @Test func scenariosArePresent() {
        #expect(GoldenScenarios.files(in: Self.directory).count >= 10)
    }

    @Test(arguments: GoldenScenarios.files(in: directory))
    func scenario(_ path: String) throws {
        for mismatch in try GoldenScenarios.check(path, with: FlushScenarioRunner()) {
            Issue.record("\(mismatch)")
        }
    }
}
