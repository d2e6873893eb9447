import Foundation

/// A scenario in the data-driven style of etcd's raft tests: blocks separated by blank lines,
/// each a command, then `----` and the output it must produce. Blocks without `----` set the
/// scene and produce nothing. Lines starting with `#` are comments, kept as they are.
public struct ScenarioFile: Sendable {
    public struct Block: Sendable {
        public var comments: [String]
        public var command: String
        /// nil for a setup block.
        public var expected: [String]?
    }

    public var blocks: [Block]

    public init(parsing text: String) {
        var blocks: [Block] = []
        var comments: [String] = []
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)[...]
        while let line = lines.popFirst() {
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            if line.hasPrefix("#") {
                comments.append(line)
                continue
            }
            var expected: [String]?
            if lines.first == "----" {
                lines.removeFirst()
                var output: [String] = []
                while let next = lines.first, !next.isEmpty {
                    output.append(next)
                    lines.removeFirst()
                }
                expected = output
            }
            blocks.append(Block(comments: comments, command: line, expected: expected))
            comments = []
        }
        self.blocks = blocks
    }

    /// The file as it should read, with every output replaced by `outputs` (same order as blocks).
    public func rendered(outputs: [[String]?]) -> String {
        var text: [String] = []
        for (block, output) in zip(blocks, outputs) {
            text += block.comments
            text.append(block.command)
            if let output {
                text.append("----")
                text += output
            }
            text.append("")
        }
        return text.joined(separator: "\n")
    }
}
