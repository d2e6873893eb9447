/// What a finished command left behind.
public struct CommandOutput: Sendable, Hashable {
    /// The argv that ran, prefix included.
    public let command: [String]
    /// The exit status; 128 + N when signal N ended it, as shells report it.
    public let status: Int32
    public let stdout: String
    /// The last `CommandRunner.stderrLimit` bytes: the end is where tools say what went wrong.
    public let stderr: String

    public var succeeded: Bool { status == 0 }
}
