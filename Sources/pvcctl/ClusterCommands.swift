import ArgumentParser
import ClusterSchema
import Coordination
import Foundation

/// PVC's `cluster_initialize`: every base key of schema 15 with its default.
struct ClusterInit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the cluster's base keys (schema 15), as PVC's cluster_initialize does.")

    @OptionGroup var options: GlobalOptions

    @Flag(help: "Delete every base key first, even on an initialized cluster.")
    var overwrite = false

    func run() async throws {
        let schema = try Schema.current()
        let versionPath = try Schema.path(schema, "base.schema.version")
        let overwrite = overwrite
        let lockTimeout = options.lockTimeout
        let created = try await withStore(options) { store -> Int in
            // Fast refusal before the lock, whose anchor would create the key.
            if !overwrite, try await store.exists(versionPath) != nil {
                throw CtlError("the cluster is already initialized (\(versionPath) exists); use --overwrite to start over")
            }
            let lock = CoordinationLock(store: store, path: versionPath, kind: .write, identifier: "pvcctl cluster init")
            let lease: LockLease
            do {
                lease = try await lock.acquire(timeout: lockTimeout)
            } catch let error as CoordinationError where error.code == .lockTimeout {
                throw CtlError("another client holds the lock on \(versionPath); are nodes running? (\(error))")
            }
            do {
                let created = try await initialize(store, schema: schema, versionPath: versionPath, overwrite: overwrite)
                try await lease.release()
                return created
            } catch {
                try? await lease.release()
                throw error
            }
        }
        switch options.format {
        case .table:
            print("Cluster initialized with schema \(schema.version) (\(created) keys created)")
        case .json:
            print(try Output.json(["schema_version": schema.version, "created": created]))
        }
    }

    /// Runs under the write lock: checks again (someone may have initialized meanwhile), clears
    /// the base keys when overwriting, applies the schema. Returns how many keys it created.
    private func initialize(_ store: any CoordinationStore, schema: SchemaVersion, versionPath: String,
                            overwrite: Bool) async throws -> Int {
        let current = try await store.text(versionPath)
        if !overwrite, let current, !current.isEmpty {
            throw CtlError("the cluster is already initialized (schema \(current)); use --overwrite to start over")
        }
        if overwrite {
            // Every base key goes, except the root and the lock anchor with its parent, which hold
            // our own lock; the anchor's value is rewritten below.
            let keep = Set(["/", versionPath, PathRules.parent(of: versionPath) ?? "/"])
            for path in Schema.basePaths(schema) where !keep.contains(path) {
                try await store.deleteRecursive(path)
            }
        }
        let created = try await schema.apply(to: store)
        let value = schema.base.defaults["schema.version"] ?? String(schema.version)
        _ = try await store.set(versionPath, data: Array(value.utf8))
        return created.count
    }
}

struct ClusterStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Schema version, primary node, maintenance, and every node's daemon state.")

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let schema = try Schema.current()
        let versionPath = try Schema.path(schema, "base.schema.version")
        let primaryPath = try Schema.path(schema, "base.config.primary_node")
        let maintenancePath = try Schema.path(schema, "base.config.maintenance")
        let nodesPath = try Schema.path(schema, "base.node")
        let (values, nodes) = try await withStore(options) { store -> ([String: String], [(String, String?)]) in
            let values = try await store.texts([versionPath, primaryPath, maintenancePath])
            let names = try await store.items(nodesPath)
            var statePaths: [String: String] = [:]
            for name in names {
                statePaths[name] = try Schema.path(schema, "node.state.daemon", item: name)
            }
            let states = try await store.texts(Array(statePaths.values))
            return (values, names.map { name in (name, statePaths[name].flatMap { states[$0] }) })
        }
        let version = values[versionPath]
        switch options.format {
        case .table:
            let rows: [[String]] = [
                ["schema version", version.map { Output.cell($0) } ?? "not initialized"],
                ["primary node", Output.cell(values[primaryPath])],
                ["maintenance", Output.cell(values[maintenancePath])],
                ["nodes", String(nodes.count)],
            ] + nodes.map { ["node \($0.0)", Output.cell($0.1)] }
            print(Output.table(header: ["KEY", "VALUE"], rows: rows))
        case .json:
            var states: [String: Any] = [:]
            for (name, state) in nodes { states[name] = Output.jsonValue(state) }
            print(try Output.json([
                "schema_version": Output.jsonValue(version),
                "primary_node": Output.jsonValue(values[primaryPath]),
                "maintenance": Output.jsonValue(values[maintenancePath]),
                "node_count": nodes.count,
                "nodes": states,
            ] as [String: Any]))
        }
    }
}

enum Switch: String, ExpressibleByArgument, CaseIterable, Sendable {
    case on
    case off
}

/// `/config/maintenance` = "true"/"false", as PVC's API writes it.
struct ClusterMaintenance: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maintenance",
        abstract: "Turn maintenance mode on or off (nodes stop fencing while it is on).")

    @OptionGroup var options: GlobalOptions

    @Argument(help: "on or off")
    var state: Switch

    func run() async throws {
        let schema = try Schema.current()
        let path = try Schema.path(schema, "base.config.maintenance")
        let value = state == .on ? "true" : "false"
        try await withStore(options) { store in
            let data = Array(value.utf8)
            do {
                _ = try await store.set(path, data: data)
            } catch let error as CoordinationError where error.code == .noNode {
                do {
                    _ = try await store.create(path, data: data, mode: .persistent)
                } catch let error as CoordinationError where error.code == .noNode {
                    throw CtlError("the cluster is not initialized (no \(PathRules.parent(of: path) ?? path)); run 'pvcctl cluster init'")
                }
            }
        }
        switch options.format {
        case .table: print("Maintenance mode \(state.rawValue)")
        case .json: print(try Output.json(["maintenance": value]))
        }
    }
}
