import Foundation
import ScenarioTesting
import Testing

/// The primary role's scenarios: events with times in, each node's decisions out, compared with
/// the golden output in the file. `UPDATE_SCENARIOS=1 swift test --filter PrimaryScenario`
/// rewrites the files; review the diff before committing it.
@Suite struct PrimaryScenarioTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Scenarios/Primary").path

    @Test func scenariosArePresent() {
        #expect(GoldenScenarios.files(in: Self.directory).count >= 10)
    }

    @Test(arguments: GoldenScenarios.files(in: directory))
    func scenario(_ path: String) throws {
        for mismatch in try GoldenScenarios.check(path, with: PrimaryScenarioRunner()) {
            Issue.record("\(mismatch)")
        }
    }
}
