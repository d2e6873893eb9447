import Foundation
import ScenarioTesting
import Testing

/// The fencing scenarios: events with times in, each node's decisions out, compared with
/// the golden output in the file. `UPDATE_SCENARIOS=1 swift test --filter FenceScenario`
/// rewrites the files; review the diff before committing it.
@Suite struct FenceScenarioTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Scenarios/Fence").path

    @Test func scenariosArePresent() {
        #expect(GoldenScenarios.files(in: Self.directory).count >= 8)
    }

    @Test(arguments: GoldenScenarios.files(in: directory))
    func scenario(_ path: String) throws {
        for mismatch in try GoldenScenarios.check(path, with: FenceScenarioRunner()) {
            Issue.record("\(mismatch)")
        }
    }
}
