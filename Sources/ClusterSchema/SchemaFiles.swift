/// Reading the schema files (`schema/<N>.json`, `schema/extension.json`; format in
/// `schema/README.md`) from their parsed JSON. Unknown fields are errors: a misspelt "default"
/// would otherwise silently leave a key without its value.
struct SchemaFileReader {
    let file: String
    var version: Int?

    func fail(_ detail: String) -> SchemaError {
        .malformed(version: version, "\(file): \(detail)")
    }

    func object(_ value: JSONValue, _ what: String, fields: Set<String>? = nil) throws(SchemaError) -> [String: JSONValue] {
        guard case .object(let members) = value else { throw fail("\(what) must be an object") }
        if let fields, let unknown = members.keys.sorted().first(where: { !fields.contains($0) }) {
            throw fail("\(what): unknown field '\(unknown)'")
        }
        return members
    }

    func strings(_ value: JSONValue, _ what: String) throws(SchemaError) -> [String: String] {
        var result: [String: String] = [:]
        for (key, member) in try object(value, what) {
            guard case .string(let text) = member else { throw fail("\(what).\(key) must be a string") }
            result[key] = text
        }
        return result
    }

    func group(_ value: JSONValue, _ name: String, fields: Set<String>) throws(SchemaError) -> KeyGroup {
        let members = try object(value, name, fields: fields)
        var under: [String] = []
        if let list = members["under"] {
            guard case .array(let elements) = list else { throw fail("\(name).under must be an array") }
            for element in elements {
                guard case .string(let parent) = element else { throw fail("\(name).under holds a non-string") }
                under.append(parent)
            }
        }
        var depth = 1
        if let member = members["depth"] {
            guard case .integer(let number) = member else { throw fail("\(name).depth must be an integer") }
            depth = number
        }
        guard let keys = members["keys"] else { throw fail("\(name): no keys") }
        var defaults: [String: String] = [:]
        if let member = members["defaults"] { defaults = try strings(member, "\(name).defaults") }
        return KeyGroup(under: under, depth: depth, keys: try strings(keys, "\(name).keys"), defaults: defaults)
    }

    func groups(_ value: JSONValue?, fields: Set<String>) throws(SchemaError) -> [String: KeyGroup] {
        guard let value else { throw fail("no groups") }
        var result: [String: KeyGroup] = [:]
        for (name, member) in try object(value, "groups") {
            result[name] = try group(member, name, fields: fields)
        }
        return result
    }
}

extension SchemaVersion {
    /// `{"version": N, "groups": {name: {"under", "depth", "keys", "defaults"}}}`.
    init(json: JSONValue, file: String) throws(SchemaError) {
        var reader = SchemaFileReader(file: file)
        let members = try reader.object(json, "the file", fields: ["version", "groups"])
        guard case .integer(let version)? = members["version"] else { throw reader.fail("no integer version") }
        reader.version = version
        try self.init(version: version,
                      groups: try reader.groups(members["groups"], fields: ["under", "depth", "keys", "defaults"]))
    }
}

extension SchemaExtension {
    /// `{"groups": {name: {"keys", "defaults"}}}`: a version file without version, under or depth.
    init(json: JSONValue, file: String) throws(SchemaError) {
        let reader = SchemaFileReader(file: file)
        let members = try reader.object(json, "the file", fields: ["groups"])
        try self.init(groups: try reader.groups(members["groups"], fields: ["keys", "defaults"]))
    }
}
