import Foundation
import Testing
@testable import ClusterSchema

@Suite struct EmbeddingTests {
    /// `schema/` of this checkout, found from this file's path (Tests/ClusterSchemaTests/…).
    static let schemaDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appending(path: "schema")

    @Test func everyFileIsEmbeddedWithItsExactText() throws {
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: Self.schemaDirectory.path())
            .filter { $0.hasSuffix(".json") }
        let embedded = EmbeddedSchemaFiles.files
        #expect(Set(embedded.map(\.name)) == Set(onDisk))
        #expect(embedded.count == onDisk.count)
        #expect(onDisk.contains("extension.json") && onDisk.contains("15.json"))
        for file in embedded {
            let data = try Data(contentsOf: Self.schemaDirectory.appending(path: file.name))
            #expect(Array(file.text.utf8) == Array(data), "\(file.name)")
        }
    }

    @Test func everyEmbeddedFileLoads() throws {
        let catalog = try SchemaCatalog.bundled()
        #expect(catalog.versions.count + 1 == EmbeddedSchemaFiles.files.count)
        #expect(catalog.extension.groups["base"]?.keys == ["schema.migrated": "/schema/migrated", "sessions": "/sessions",
                                                          "storage.updated": "/ceph/updated"])
    }
}
