/// Feeds a decision core the events of a scenario and prints what it decided. One runner per file.
public protocol ScenarioRunner {
    /// The output lines for a command, or nil for a command that only sets the scene.
    mutating func run(_ command: ScenarioCommand) throws -> [String]?
}
