import Coordination
import Testing
@testable import ClusterSchema

@Suite struct ExtensionTests {
    @Test func ownKeysResolveInEveryVersionButAreNoPVCKeys() throws {
        let catalog = try SchemaCatalog.bundled()
        for version in catalog.versions {
            let schema = try catalog.schema(version)
            #expect(try schema.path("base.schema.migrated") == "/schema/migrated")
            #expect(schema.base.keys["schema.migrated"] == nil)
            #expect(schema.extended("base")?.keys["schema.migrated"] == "/schema/migrated")
            #expect(schema.extension == catalog.extension)
            // `/schema/version` stays PVC's: the extension is not a version.
            #expect(schema.base.defaults["schema.version"] == String(version))
        }
    }

    @Test func applyCreatesThemAndValidateDoesNotAskForThem() async throws {
        let server = InMemoryCoordination()
        let store = server.connect()
        let schema = try SchemaCatalog.bundled().schema(15)
        let created = try await schema.apply(to: store)
        #expect(created.contains("/schema/migrated"))
        // Created after its parent, like any key.
        #expect(try #require(created.firstIndex(of: "/schema")) < #require(created.firstIndex(of: "/schema/migrated")))

        // A tree PVC's own tools made has no key of ours, and is valid.
        try await store.delete("/schema/migrated")
        #expect(try await schema.validate(store).isValid)
        #expect(try await schema.apply(to: store) == ["/schema/migrated"])
    }

    @Test func diffNeverReportsThem() throws {
        let catalog = try SchemaCatalog.bundled()
        for old in catalog.versions {
            for new in catalog.versions {
                let diff = SchemaDiff(from: try catalog.schema(old), to: try catalog.schema(new))
                for group in diff.groups.values {
                    #expect(!group.added.contains("schema.migrated") && !group.removed.contains("schema.migrated"))
                    #expect(group.renamed["schema.migrated"] == nil)
                }
            }
        }
        // Even against the same version without the extension.
        let plain = try catalog.schema(15)
        let stripped = try SchemaVersion(version: 15, groups: plain.groups)
        #expect(SchemaDiff(from: stripped, to: plain).groups.isEmpty)
    }

    @Test func theySurviveAMigrationDownAndBackUp() async throws {
        let catalog = try SchemaCatalog.bundled()
        var cluster = PopulatedCluster()
        try await cluster.populateVersion0(try catalog.schema(0))
        try await catalog.migrate(cluster.store, from: 0, to: 15)
        try await cluster.populateVersion15(try catalog.schema(15))
        _ = try await cluster.store.set("/schema/migrated", data: Array("15".utf8))

        try await catalog.migrate(cluster.store, from: 15, to: 0)
        #expect(cluster.server.dump()["/schema/migrated"]?.data == Array("15".utf8))
        #expect(try await catalog.schema(0).validate(cluster.store).isValid)

        try await catalog.migrate(cluster.store, from: 0, to: 15)
        #expect(cluster.server.dump()["/schema/migrated"]?.data == Array("15".utf8))
        #expect(cluster.strayPaths(try catalog.schema(15)) == [])
    }

    @Test func keysOnItemsApplyPerItem() async throws {
        let ownKeys = try SchemaExtension(groups: ["node": KeyGroup(keys: ["ours": "/ours"], defaults: ["ours": "x"])])
        let catalog = try SchemaCatalog([try SchemaCatalog.bundled().schema(15)], extension: ownKeys)
        let schema = try catalog.schema(15)
        #expect(try schema.path("node.ours", item: "hv1") == "/nodes/hv1/ours")
        let server = InMemoryCoordination()
        let store = server.connect()
        try await schema.apply(to: store)
        _ = try await store.create("/nodes/hv1", data: [], mode: .persistent)
        try await schema.apply(to: store)
        #expect(server.dump()["/nodes/hv1/ours"]?.data == Array("x".utf8))
        // The catalog's extension replaced the bundled one.
        #expect(server.dump()["/schema/migrated"] == nil)
    }

    @Test func clashesAndOrphansAreRejected() throws {
        let v15 = try SchemaCatalog.bundled().schema(15)
        func catalog(_ groups: [String: KeyGroup]) throws {
            _ = try SchemaCatalog([v15], extension: try SchemaExtension(groups: groups))
        }
        // A PVC key's name or path.
        #expect(throws: SchemaError.self) { try catalog(["base": KeyGroup(keys: ["schema.version": "/x"])]) }
        #expect(throws: SchemaError.self) { try catalog(["base": KeyGroup(keys: ["mine": "/schema/version"])]) }
        // A parent that is no key, a relative path, a root.
        #expect(throws: SchemaError.self) { try catalog(["base": KeyGroup(keys: ["mine": "/nowhere/mine"])]) }
        #expect(throws: SchemaError.self) { try catalog(["base": KeyGroup(keys: ["mine": "mine"])]) }
        #expect(throws: SchemaError.self) { try catalog(["node": KeyGroup(keys: ["mine": ""])]) }
        #expect(throws: SchemaError.self) { try catalog(["node": KeyGroup(under: ["base.node"], keys: ["m": "/m"])]) }
        // Keys for a group a version lacks are simply not in that version.
        let v0 = try SchemaCatalog([try SchemaCatalog.bundled().schema(0)],
                                   extension: try SchemaExtension(groups: ["faults": KeyGroup(keys: ["m": "/m"])]))
        #expect(try v0.schema(0).extension.groups.isEmpty)
    }
}
