import ClusterSchema

/// The schema version `cluster init` writes and the commands read paths from: PVC's latest.
enum Schema {
    static let version = 15

    static func current() throws -> SchemaVersion {
        do {
            return try SchemaCatalog.bundled().schema(version)
        } catch {
            throw CtlError("cannot load schema \(version): \(error)")
        }
    }

    static func path(_ schema: SchemaVersion, _ key: String) throws -> String {
        do {
            return try schema.path(key)
        } catch {
            throw CtlError("schema \(schema.version): \(error)")
        }
    }

    static func path(_ schema: SchemaVersion, _ key: String, item: String) throws -> String {
        do {
            return try schema.path(key, item: item)
        } catch {
            throw CtlError("schema \(schema.version): \(error)")
        }
    }

    /// Every base key's path except the root, parents before children. Our own keys (the
    /// extension) are included, so a re-initialised cluster keeps no record of the old one.
    static func basePaths(_ schema: SchemaVersion) -> [String] {
        (schema.extended(SchemaVersion.baseGroup) ?? schema.base).keys.values.filter { !$0.isEmpty }.sorted()
    }
}
