/// A YAML value as `YAMLReader` reads it. Null is a plain scalar (`isNull`) rather than a case of its own, because
/// a null spelling inside a list of names has always read as that word, and the typed reads keep that behaviour.
indirect enum YAMLNode: Sendable, Equatable {
    case scalar(YAMLScalar)
    case sequence(YAMLSequence)
    case mapping(YAMLMapping)

    var line: Int {
        switch self {
        case .scalar(let scalar): return scalar.line
        case .sequence(let sequence): return sequence.line
        case .mapping(let mapping): return mapping.line
        }
    }

    var scalar: YAMLScalar? {
        if case .scalar(let scalar) = self { return scalar }
        return nil
    }

    var sequence: [YAMLNode]? {
        if case .sequence(let sequence) = self { return sequence.items }
        return nil
    }

    var mapping: YAMLMapping? {
        if case .mapping(let mapping) = self { return mapping }
        return nil
    }

    var isNull: Bool { scalar?.isNull ?? false }

    /// How a value is quoted back in an error: enough to find it in the file, never a whole subtree.
    var shortDescription: String {
        switch self {
        case .scalar(let scalar): return "\"\(scalar.text)\""
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }
}

/// A block or flow sequence; `line` is where it starts.
struct YAMLSequence: Sendable, Equatable {
    var items: [YAMLNode]
    let line: Int
}

/// A mapping in the order written, since warnings about unknown keys should come out in file order. Keys are
/// scalars only: configuration files have no use for collection keys.
struct YAMLMapping: Sendable, Equatable {
    struct Entry: Sendable, Equatable {
        let key: YAMLScalar
        let value: YAMLNode
    }

    var entries: [Entry]
    let line: Int
}
