import Foundation
import ScenarioTesting
import Testing

/// The per-VM core's scenarios (pvc-node-daemon.md §6–§7 as this project decides them).
/// `UPDATE_SCENARIOS=1 swift test --filter VMScenario` rewrites the goldens.
@Suite struct VMScenarioTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Scenarios/VM").path

    @Test func scenariosArePresent() {
        #expect(GoldenScenarios.files(in: Self.directory).count >= 6)
    }

    @Test(arguments: GoldenScenarios.files(in: directory))
    func scenario(_ path: String) throws {
        for mismatch in try GoldenScenarios.check(path, with: VMScenarioRunner()) {
            Issue.record("\(mismatch)")
        }
    }
}
