/// One command line of a scenario: a verb, positional words and `key=value` options, e.g.
/// `hv1 primary-node value=hv2 version=3 at=1.250`.
public struct ScenarioCommand: Sendable {
    public let line: String
    public let words: [String]
    public let options: [String: String]

    public struct Problem: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    public init(_ line: String) {
        self.line = line
        var words: [String] = []
        var options: [String: String] = [:]
        for word in line.split(separator: " ") {
            let pair = word.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if pair.count == 2 {
                options[String(pair[0])] = String(pair[1])
            } else {
                words.append(String(word))
            }
        }
        self.words = words
        self.options = options
    }

    /// The positional word at `index`, or a problem naming the line.
    public func word(_ index: Int, _ what: String) throws(Problem) -> String {
        guard index < words.count else { throw Problem("'\(line)': missing \(what)") }
        return words[index]
    }

    public func string(_ key: String) throws(Problem) -> String {
        guard let value = options[key] else { throw Problem("'\(line)': missing \(key)=") }
        return value
    }

    public func int(_ key: String) throws(Problem) -> Int {
        guard let value = Int(try string(key)) else { throw Problem("'\(line)': \(key)= is not a whole number") }
        return value
    }

    /// A time in seconds with up to three decimals (`at=1.250`), as milliseconds.
    public func milliseconds(_ key: String) throws(Problem) -> Int {
        let text = try string(key)
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let seconds = Int(parts[0]) else { throw Problem("'\(line)': \(key)= is not a time") }
        var millis = 0
        if parts.count == 2 {
            let fraction = String(parts[1].prefix(3))
            guard let value = Int(fraction.padding(toLength: 3, withPad: "0", startingAt: 0)) else {
                throw Problem("'\(line)': \(key)= is not a time")
            }
            millis = value
        }
        return seconds * 1000 + millis
    }
}
