/// Collects warnings across every section of one parse, so nested sections can report into one list.
final class WarningCollector {
    let file: String
    private(set) var warnings: [ConfigurationWarning] = []
    /// Every dotted key the parser asked for, so a test can hold the sample file to documenting all of them.
    private(set) var consulted: Set<String> = []

    init(file: String) { self.file = file }

    func unknownKey(_ key: String) {
        warnings.append(ConfigurationWarning(file: file, key: key, problem: "unknown key, ignored"))
    }

    func consult(_ key: String) { consulted.insert(key) }

    /// A problem that does not stop the daemon but that the operator should fix, under the key to fix.
    func warn(_ key: String, _ problem: String) {
        warnings.append(ConfigurationWarning(file: file, key: key, problem: problem))
    }
}

/// One YAML mapping being read, remembering its dotted path and which keys were taken, so every error can name its
/// key and every key nobody took can be reported as unknown.
final class YAMLSection {
    let path: String
    let warnings: WarningCollector
    private let entries: [(key: String, value: YAMLNode)]
    private var taken: Set<String> = []

    var file: String { warnings.file }

    /// `node` nil (absent or `null`) reads as an empty section, so a missing section means "all defaults".
    init(node: YAMLNode?, path: String, warnings: WarningCollector) throws(ConfigurationError) {
        self.path = path
        self.warnings = warnings
        guard let node, !node.isNull else {
            entries = []
            return
        }
        guard let mapping = node.mapping else {
            throw ConfigurationError(
                kind: .mistyped, file: warnings.file, key: path.isEmpty ? nil : path,
                problem: "expected a mapping of keys, got \(node.shortDescription)")
        }
        entries = mapping.entries.map { (key: $0.key.text, value: $0.value) }
    }

    func dotted(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The value under `key`, marking it known. `null` counts as absent: `key:` with nothing after it is how YAML
    /// users leave a setting at its default.
    func value(_ key: String) -> YAMLNode? {
        taken.insert(key)
        warnings.consult(dotted(key))
        guard let node = entries.first(where: { $0.key == key })?.value, !node.isNull else { return nil }
        return node
    }

    /// For the spellings PVC's code and sample disagree on: either is accepted; both at once is accepted only when
    /// they agree, since otherwise we would have to guess which one the operator meant.
    func value(_ key: String, alias: String) throws(ConfigurationError) -> (key: String, node: YAMLNode)? {
        let primary = value(key)
        let secondary = value(alias)
        switch (primary, secondary) {
        case let (p?, s?):
            guard let text = p.scalar?.text, text == s.scalar?.text else {
                throw ConfigurationError(
                    kind: .invalid, file: file, key: dotted(key),
                    problem: "also given as \(dotted(alias)) with a different value; keep one")
            }
            return (dotted(key), p)
        case let (p?, nil): return (dotted(key), p)
        case let (nil, s?): return (dotted(alias), s)
        case (nil, nil): return nil
        }
    }

    func section(_ key: String) throws(ConfigurationError) -> YAMLSection {
        try YAMLSection(node: value(key), path: dotted(key), warnings: warnings)
    }

    /// Call once the section's known keys have been read.
    func finish() {
        for entry in entries where !taken.contains(entry.key) {
            warnings.unknownKey(dotted(entry.key))
        }
    }
}
