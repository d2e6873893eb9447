import Foundation

/// The installed schema versions, always handled in numeric order (PVC iterated them in
/// directory-listing order, pvc-node-daemon.md §14.3 item 12).
public struct SchemaCatalog: Sendable {
    public let schemas: [Int: SchemaVersion]

    /// Every version in ascending numeric order.
    public var versions: [Int] { schemas.keys.sorted() }

    public var latest: Int? { schemas.keys.max() }

    public init(_ schemas: [SchemaVersion]) throws(SchemaError) {
        var byVersion: [Int: SchemaVersion] = [:]
        for schema in schemas {
            guard byVersion.updateValue(schema, forKey: schema.version) == nil else {
                throw .malformed(version: schema.version, "installed twice")
            }
        }
        self.schemas = byVersion
    }

    /// The versions shipped with this module (`Versions/<N>.json`).
    public static func bundled() throws(SchemaError) -> SchemaCatalog {
        guard let directory = Bundle.module.url(forResource: "Versions", withExtension: nil) else {
            throw .malformed(version: nil, "the Versions resource directory is missing")
        }
        let files: [URL]
        do {
            files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
                .filter { $0.pathExtension == "json" }
        } catch {
            throw .malformed(version: nil, "cannot list \(directory.path): \(error)")
        }
        var schemas: [SchemaVersion] = []
        for file in files {
            let schema = try decode(file)
            // The file name is what operators see; a mismatch would make "load N" load something else.
            guard file.deletingPathExtension().lastPathComponent == String(schema.version) else {
                throw .malformed(version: schema.version, "found in \(file.lastPathComponent)")
            }
            schemas.append(schema)
        }
        return try SchemaCatalog(schemas)
    }

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

    private static func decode(_ file: URL) throws(SchemaError) -> SchemaVersion {
        do {
            return try JSONDecoder().decode(SchemaVersion.self, from: Data(contentsOf: file))
        } catch let error as SchemaError {
            throw error
        } catch {
            throw .malformed(version: nil, "\(file.lastPathComponent): \(error)")
        }
    }
}
