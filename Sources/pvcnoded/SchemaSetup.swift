import ClusterSchema
import Coordination
import Logging

/// Makes sure the cluster's tree matches its schema before the node registers, under the write
/// lock on `/schema/version` so that two starting nodes never apply at once (PVC commit a5763c9d).
struct SchemaSetup {
    /// The cluster's schema version key holds something that is not a version.
    struct Unusable: Error, CustomStringConvertible {
        var path: String
        var value: String
        var description: String { "\(path) holds '\(value)', not a schema version" }
    }

    var catalog: SchemaCatalog
    var logger: Logger
    var lockTimeout: Duration = .seconds(30)

    /// Returns the cluster's schema, which is the one this node runs with.
    func ensure(on store: any CoordinationStore) async throws -> SchemaVersion {
        guard let latestVersion = catalog.latest else {
            throw SchemaError.malformed(version: nil, "no schema version is installed")
        }
        let latest = try catalog.schema(latestVersion)
        let versionPath = try latest.path("base.schema.version")
        let lock = CoordinationLock(store: store, path: versionPath, kind: .write, identifier: "pvcnoded")
        let lease = try await lock.acquire(timeout: lockTimeout)
        do {
            let schema = try await validateOrApply(on: store, versionPath: versionPath, latest: latest)
            try await recordTree(at: schema.version, on: store, markerPath: try Self.markerPath(latest))
            try await lease.release()
            return schema
        } catch {
            try? await lease.release()
            throw error
        }
    }

    /// Where we record the version the tree was last migrated or applied to, so that of the
    /// coordinators taking the exclusive lock in turn during an upgrade only the first migrates.
    /// A key of ours under `/schema` (schema/extension.json), which PVC's tools ignore.
    static func markerPath(_ schema: SchemaVersion) throws -> String {
        try schema.path("base.schema.migrated")
    }

    /// The tree was just validated (and completed) at `version`.
    private func recordTree(at version: Int, on store: any CoordinationStore, markerPath: String) async throws {
        let data = Array(String(version).utf8)
        do {
            if try await store.get(markerPath).data != data {
                _ = try await store.set(markerPath, data: data)
            }
        } catch let error as CoordinationError where error.code == .noNode {
            _ = try await store.create(markerPath, data: data, mode: .persistent)
        }
    }

    private func validateOrApply(on store: any CoordinationStore, versionPath: String,
                                 latest: SchemaVersion) async throws -> SchemaVersion {
        // Taking the lock creates `/schema/version` empty when it was missing, so empty means "no
        // cluster yet". Anything else unreadable is an operator's problem to see, not a reason to
        // overwrite the cluster's version.
        let text = String(String(decoding: try await store.get(versionPath).data, as: UTF8.self).trimmingWhitespace)
        if text.isEmpty {
            let created = try await latest.apply(to: store)
            _ = try await store.set(versionPath, data: Array(String(latest.version).utf8))
            logger.notice("initialised the cluster tree", metadata: [
                "schema": "\(latest.version)", "created": "\(created.count)"])
            return latest
        }
        guard let version = Int(text) else {
            throw Unusable(path: versionPath, value: String(text.prefix(64)))
        }
        let schema = try catalog.schema(version)
        let report = try await schema.validate(store)
        if !report.isValid {
            let created = try await schema.apply(to: store)
            logger.notice("created missing schema keys", metadata: [
                "schema": "\(version)", "created": "\(created.count)"])
        }
        return schema
    }
}
