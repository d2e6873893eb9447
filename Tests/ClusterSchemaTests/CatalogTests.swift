import Testing
@testable import ClusterSchema

@Suite struct CatalogTests {
    @Test func everyVersionIsBundledInNumericOrder() throws {
        let catalog = try SchemaCatalog.bundled()
        #expect(catalog.versions == Array(0 ... 15))
        #expect(catalog.latest == 15)
        for version in catalog.versions {
            #expect(try catalog.schema(version).version == version)
        }
    }

    @Test func migrationPathsAreNumericBothWays() throws {
        let catalog = try SchemaCatalog.bundled()
        #expect(try catalog.path(from: 8, to: 11) == [8, 9, 10, 11])
        #expect(try catalog.path(from: 11, to: 8) == [11, 10, 9, 8])
        #expect(throws: SchemaError.unknownVersion(16)) { try catalog.path(from: 15, to: 16) }
    }

    @Test func versionCountsMatchTheHistory() throws {
        let v0 = try SchemaCatalog.bundled().schema(0)
        // pvc-node-daemon.md §1.5: version 0 had 22 node keys and 16 domain keys (roots included).
        #expect(v0.groups["node"]?.keys.count == 22)
        #expect(v0.groups["domain"]?.keys.count == 16)
    }

    @Test func defaultsOfApply() throws {
        let v15 = try SchemaCatalog.bundled().schema(15)
        #expect(v15.groups["domain"]?.defaults == ["meta.migrate_max_downtime": "300"])
        #expect(v15.groups["pool"]?.defaults == ["tier": "default"])
        #expect(v15.groups["osd"]?.defaults == ["is_split": "False"])
        #expect(v15.base.defaults == ["schema.version": "15"])
    }

    @Test func inconsistentSchemasAreRejected() {
        let base = KeyGroup(keys: ["root": "", "node": "/nodes"])
        #expect(throws: SchemaError.self) { try SchemaVersion(version: 1, groups: [:]) }
        #expect(throws: SchemaError.self) {
            try SchemaVersion(version: 1, groups: ["base": base, "node": KeyGroup(under: ["base.nope"], keys: ["name": ""])])
        }
        #expect(throws: SchemaError.self) {
            try SchemaVersion(version: 1, groups: ["base": base, "node": KeyGroup(under: ["base.node"], keys: ["a": "b"])])
        }
        #expect(throws: SchemaError.self) {
            try SchemaVersion(version: 1, groups: ["base": KeyGroup(keys: ["x": "/x"], defaults: ["y": "1"])])
        }
        #expect(throws: SchemaError.self) {
            try SchemaVersion(version: 1, groups: [
                "base": base,
                "a": KeyGroup(under: ["b.kids"], keys: ["name": "", "kids": "/kids"]),
                "b": KeyGroup(under: ["a.kids"], keys: ["name": "", "kids": "/kids"]),
            ])
        }
        #expect(throws: SchemaError.self) { try SchemaCatalog.bundled().schema(16) }
    }
}
