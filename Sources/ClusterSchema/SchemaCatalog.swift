/// The installed schema versions, always handled in numeric order (PVC iterated them in
/// directory-listing order, pvc-node-daemon.md §14.3 item 12).
public struct SchemaCatalog: Sendable {
    public let schemas: [Int: SchemaVersion]
    /// Our own keys, the same in every version of `schemas`.
    public let `extension`: SchemaExtension

    /// Every version in ascending numeric order.
    public var versions: [Int] { schemas.keys.sorted() }

    public var latest: Int? { schemas.keys.max() }

    /// Every version gets `ownKeys` in place of any extension it had: the same extension in every
    /// version is what keeps its keys out of every diff and so of every migration.
    public init(_ schemas: [SchemaVersion], extension ownKeys: SchemaExtension = .none) throws(SchemaError) {
        var byVersion: [Int: SchemaVersion] = [:]
        for given in schemas {
            let schema = try SchemaVersion(version: given.version, groups: given.groups, extension: ownKeys)
            guard byVersion.updateValue(schema, forKey: schema.version) == nil else {
                throw .malformed(version: schema.version, "installed twice")
            }
        }
        self.schemas = byVersion
        self.extension = ownKeys
    }

    /// The versions shipped with this module (`schema/<N>.json`, compiled in by the EmbedSchema
    /// plugin) with our extension (`schema/extension.json`).
    public static func bundled() throws(SchemaError) -> SchemaCatalog {
        var schemas: [SchemaVersion] = []
        var ownKeys = SchemaExtension.none
        for file in EmbeddedSchemaFiles.files {
            let json: JSONValue
            do {
                json = try JSONValue.parse(file.text)
            } catch {
                throw .malformed(version: nil, "\(file.name): \(error)")
            }
            if file.name == extensionFile {
                ownKeys = try SchemaExtension(json: json, file: file.name)
                continue
            }
            let schema = try SchemaVersion(json: json, file: file.name)
            // The file name is what operators see; a mismatch would make "load N" load something else.
            guard file.name == "\(schema.version).json" else {
                throw .malformed(version: schema.version, "found in \(file.name)")
            }
            schemas.append(schema)
        }
        // An empty catalog would make every node believe the cluster's version is unknown.
        guard !schemas.isEmpty else { throw .malformed(version: nil, "no schema version is embedded") }
        return try SchemaCatalog(schemas, extension: ownKeys)
    }

    static let extensionFile = "extension.json"

    public func schema(_ version: Int) throws(SchemaError) -> SchemaVersion {
        guard let schema = schemas[version] else { throw .unknownVersion(version) }
        return schema
    }

    /// The versions a migration from `from` to `to` passes through, each consecutive pair one step,
    /// in the direction of travel. Every version in between must be installed.
    public func path(from: Int, to: Int) throws(SchemaError) -> [Int] {
        let range = from <= to ? Array(from ... to) : Array((to ... from).reversed())
        for version in range where schemas[version] == nil { throw .unknownVersion(version) }
        return range
    }
}
