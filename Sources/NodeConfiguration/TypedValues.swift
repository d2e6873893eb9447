/// The typed reads every setting goes through, so each kind of value has one wording for its error.
extension YAMLSection {
    func mistyped(_ key: String, _ expected: String, _ node: YAMLNode) -> ConfigurationError {
        ConfigurationError(kind: .mistyped, file: file, key: key, problem: "expected \(expected), got \(node.shortDescription)")
    }

    func invalid(_ key: String, _ expected: String, _ node: YAMLNode) -> ConfigurationError {
        ConfigurationError(kind: .invalid, file: file, key: key, problem: "expected \(expected), got \(node.shortDescription)")
    }

    func missing(_ key: String, _ what: String) -> ConfigurationError {
        ConfigurationError(kind: .missing, file: file, key: dotted(key), problem: "required key is missing (\(what))")
    }

    func string(at key: String, _ node: YAMLNode) throws(ConfigurationError) -> String {
        guard let scalar = node.scalar else { throw mistyped(key, "a string", node) }
        guard !scalar.text.isEmpty else { throw invalid(key, "a non-empty string", node) }
        return scalar.text
    }

    func string(_ key: String) throws(ConfigurationError) -> String? {
        guard let node = value(key) else { return nil }
        return try string(at: dotted(key), node)
    }

    func requiredString(_ key: String, _ what: String) throws(ConfigurationError) -> String {
        guard let value = try string(key) else { throw missing(key, what) }
        return value
    }

    func stringList(_ key: String) throws(ConfigurationError) -> [String]? {
        guard let node = value(key) else { return nil }
        guard let sequence = node.sequence else { throw mistyped(dotted(key), "a list of names", node) }
        var result: [String] = []
        for (index, item) in sequence.enumerated() {
            result.append(try string(at: "\(dotted(key))[\(index)]", item))
        }
        return result
    }

    /// Seconds as a number, fractions allowed. Zero and negatives are refused because every timer here is a period or
    /// a timeout and a zero period would spin; below a millisecond rounds to zero, and beyond 10⁹ s (31 years) is
    /// surely a typo and would overflow `Duration`'s conversion.
    func seconds(_ key: String, default fallback: Duration) throws(ConfigurationError) -> Duration {
        guard let node = value(key) else { return fallback }
        guard let number = node.scalar?.double, number.isFinite else {
            throw mistyped(dotted(key), "a positive number of seconds", node)
        }
        guard number >= 0.001, number <= 1_000_000_000 else {
            throw invalid(dotted(key), "a positive number of seconds (0.001 to 1000000000)", node)
        }
        return .milliseconds((number * 1000).rounded())
    }

    func integer(at key: String, _ node: YAMLNode, minimum: Int, _ expected: String) throws(ConfigurationError) -> Int {
        guard let number = node.scalar?.int else { throw mistyped(key, expected, node) }
        guard number >= minimum else { throw invalid(key, expected, node) }
        return number
    }

    func integer(_ key: String, minimum: Int, _ expected: String) throws(ConfigurationError) -> Int? {
        guard let node = value(key) else { return nil }
        return try integer(at: dotted(key), node, minimum: minimum, expected)
    }

    func bool(_ key: String, default fallback: Bool) throws(ConfigurationError) -> Bool {
        guard let node = value(key) else { return fallback }
        guard let flag = node.scalar?.bool else { throw mistyped(dotted(key), "true or false", node) }
        return flag
    }

    func choice<Choice: RawRepresentable & CaseIterable>(
        _ key: String, default fallback: Choice
    ) throws(ConfigurationError) -> Choice where Choice.RawValue == String {
        guard let node = value(key) else { return fallback }
        let words = Choice.allCases.map(\.rawValue).joined(separator: ", ")
        guard let scalar = node.scalar else { throw mistyped(dotted(key), "one of \(words)", node) }
        // Case-insensitive because PVC's sample writes `None` for "no action" (a string in YAML, not null).
        guard let chosen = Choice(rawValue: scalar.text.lowercased()) else {
            throw invalid(dotted(key), "one of \(words)", node)
        }
        return chosen
    }
}
