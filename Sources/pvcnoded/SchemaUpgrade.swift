import ClusterSchema
import Coordination
import Logging
import NodeCore
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// Carries out the schema agreement's directives: reads the peers, raises the cluster's version,
/// migrates under the exclusive lock or waits on read locks, records the new active version and
/// re-executes the daemon. Every wait is bounded.
struct SchemaUpgrade {
    var store: any CoordinationStore
    var catalog: SchemaCatalog
    var settings: DaemonSettings
    var logger: Logger
    /// The paths of `/schema/version` and of the record of the version the tree was last
    /// migrated or applied to (a key of ours under `/schema`, which PVC's tools ignore).
    var versionPath: String
    var markerPath: String
    var activePath: String
    var lockTimeout: Duration = .seconds(60)

    /// A value of `/schema/version` as the watch reported it (nil: deleted). Garbage or a deleted
    /// key is logged with its path and changes nothing: the agreement stays at the active version.
    func clusterVersionChanged(_ value: String?, agreement: inout SchemaAgreement) async throws {
        if let value {
            if SchemaAgreement.parse(value) == nil {
                logger.error("schema: the cluster's schema version is not a version; ignoring it", metadata: [
                    "path": "\(versionPath)", "value": "\(Self.excerpt(value))", "bytes": "\(value.utf8.count)"])
            }
        } else {
            logger.error("schema: the cluster's schema version key is gone; ignoring it",
                         metadata: ["path": "\(versionPath)"])
        }
        try await carryOut(agreement.onClusterVersionChanged(value), agreement: &agreement)
    }

    /// At most 64 characters of a value read from the tree, for a log line.
    static func excerpt(_ value: String) -> String {
        value.count > 64 ? String(value.prefix(64)) + "..." : value
    }

    /// Carries out `initial` and whatever the agreement asks next. Returns when nothing is left;
    /// never returns once the daemon re-executes or exits.
    func carryOut(_ initial: [SchemaDirective], agreement: inout SchemaAgreement) async throws {
        var queue = initial
        while !queue.isEmpty {
            switch queue.removeFirst() {
            case .note(let line):
                logger.notice("schema: \(line)")
            case .readPeers:
                let read = try await readPeers()
                queue += agreement.onPeersRead(clusterVersion: read.version, stat: read.stat, peers: read.peers)
            case .raiseClusterVersion(let target, let statVersion):
                do {
                    _ = try await store.set(versionPath, data: Array(String(target).utf8), version: statVersion)
                    logger.notice("schema: raised the cluster's schema version", metadata: ["schema": "\(target)"])
                } catch let error as CoordinationError where error.code == .badVersion {
                    logger.notice("schema: the cluster's version changed meanwhile; not raising it")
                }
            case .stopKeepalives:
                logger.notice("schema: keepalives stopped for the upgrade")
            case .migrateExclusively(let from, let target):
                queue += agreement.onTreeSettled(migrated: await migrate(from: from, to: target))
            case .awaitMigration(let target):
                queue += agreement.onTreeSettled(migrated: await awaitMigration(to: target))
            case .writeActive(let version):
                var succeeded = true
                do {
                    _ = try await store.set(activePath, data: Array(String(version).utf8))
                    logger.notice("schema: recorded the new active schema", metadata: ["schema": "\(version)"])
                } catch {
                    succeeded = false
                    logger.warning("schema: could not record the new active schema",
                                   metadata: ["path": "\(activePath)", "error": "\(error)"])
                }
                queue += agreement.onActiveWritten(succeeded: succeeded)
            case .reexecute:
                await store.close()
                if Task.isShuttingDownGracefully {
                    logger.notice("schema: shutdown requested during the upgrade; exiting instead of re-executing")
                    exit(0)
                }
                logger.notice("schema: re-executing in place", metadata: [
                    "pid": "\(getpid())", "schema": "\(agreement.active)"])
                switch Reexecution.execute() {
                case .stopRequested:
                    logger.notice("schema: shutdown requested as the daemon re-executed; exiting instead")
                    exit(0)
                case .execFailed(let error):
                    logger.error("schema: could not re-execute", metadata: [
                        "errno": "\(error)", "error": "\(String(cString: strerror(error)))"])
                    queue += agreement.onReexecuteFailed()
                }
            case .exit(let code):
                logger.notice("schema: exiting for systemd to restart the daemon", metadata: ["code": "\(code)"])
                exit(code)
            }
        }
    }

    private func readPeers() async throws -> (version: String?, stat: Int32, peers: [String: String?]) {
        let version = try await store.get(versionPath)
        let latest = try catalog.schema(catalog.latest ?? 0)
        let nodesPath = try latest.path("base.node")
        var peers: [String: String?] = [:]
        for name in try await store.children(nodesPath) {
            let path: String
            do {
                path = try latest.path("node.data.latest_schema", item: name)
            } catch {
                logger.warning("schema: a node's name is not usable in a path", metadata: [
                    "path": "\(nodesPath)/\(name)", "error": "\(error)"])
                peers[name] = .some(nil)
                continue
            }
            do {
                let text = String(decoding: try await store.get(path).data, as: UTF8.self)
                if SchemaAgreement.parse(text) == nil {
                    logger.warning("schema: a node's latest schema is not a version", metadata: [
                        "path": "\(path)", "value": "\(Self.excerpt(text))", "bytes": "\(text.utf8.count)"])
                }
                peers[name] = .some(text)
            } catch {
                logger.warning("schema: a node's latest schema is unreadable", metadata: [
                    "path": "\(path)", "error": "\(error)"])
                peers[name] = .some(nil)
            }
        }
        let text = String(decoding: version.data, as: UTF8.self)
        if SchemaAgreement.parse(text) == nil {
            logger.warning("schema: the cluster's schema version is not a version", metadata: [
                "path": "\(versionPath)", "value": "\(Self.excerpt(text))"])
        }
        return (text, version.stat.version, peers)
    }

    private func marker() async -> String? {
        let data: [UInt8]
        do {
            data = try await store.get(markerPath).data
        } catch {
            logger.warning("schema: the tree's migration record is unreadable",
                           metadata: ["path": "\(markerPath)", "error": "\(error)"])
            return nil
        }
        let text = String(decoding: data, as: UTF8.self)
        if SchemaAgreement.parse(text) == nil {
            logger.warning("schema: the tree's migration record is not a version",
                           metadata: ["path": "\(markerPath)", "value": "\(Self.excerpt(text))"])
            return nil
        }
        return text
    }

    private func setMarker(_ version: Int) async throws {
        let data = Array(String(version).utf8)
        do {
            _ = try await store.set(markerPath, data: data)
        } catch let error as CoordinationError where error.code == .noNode {
            _ = try await store.create(markerPath, data: data, mode: .persistent)
        }
    }

    /// The coordinator's part: under the exclusive lock, migrate unless another did already.
    private func migrate(from: Int, to target: Int) async -> Bool {
        let lock = CoordinationLock(store: store, path: versionPath, kind: .exclusive, identifier: settings.name)
        logger.notice("schema: waiting for the exclusive lock to migrate the tree",
                      metadata: ["from": "\(from)", "to": "\(target)"])
        let lease: LockLease
        do {
            lease = try await lock.acquire(timeout: lockTimeout)
        } catch {
            logger.error("schema: no exclusive lock to migrate", metadata: ["error": "\(error)"])
            return false
        }
        var migrated = false
        do {
            if await marker() == String(target) {
                logger.notice("schema: the tree is already migrated", metadata: ["schema": "\(target)"])
            } else {
                let started = ContinuousClock.now
                try await catalog.migrate(store, from: from, to: target)
                try await setMarker(target)
                logger.notice("schema: migrated the tree", metadata: [
                    "from": "\(from)", "to": "\(target)", "took": "\(ContinuousClock.now - started)"])
            }
            migrated = true
        } catch {
            logger.error("schema: migration failed", metadata: ["from": "\(from)", "to": "\(target)",
                                                               "error": "\(error)"])
        }
        do {
            try await lease.release()
        } catch {
            logger.warning("schema: could not release the exclusive lock", metadata: ["error": "\(error)"])
        }
        return migrated
    }

    /// A hypervisor's part: read locks wait for the migrating coordinator; look until the tree is
    /// recorded at the target.
    private func awaitMigration(to target: Int) async -> Bool {
        let lock = CoordinationLock(store: store, path: versionPath, kind: .read, identifier: settings.name)
        let deadline = ContinuousClock.now + lockTimeout
        logger.notice("schema: waiting on the read lock for a coordinator to migrate the tree",
                      metadata: ["to": "\(target)"])
        while ContinuousClock.now < deadline {
            do {
                let lease = try await lock.acquire(timeout: deadline - ContinuousClock.now)
                let current = await marker()
                do {
                    try await lease.release()
                } catch {
                    // The read lock goes with the session at worst; a coordinator waits on it until then.
                    logger.warning("schema: could not release the read lock", metadata: ["error": "\(error)"])
                }
                if current == String(target) {
                    logger.notice("schema: the tree is migrated", metadata: ["schema": "\(target)"])
                    return true
                }
            } catch {
                logger.warning("schema: read lock failed", metadata: ["error": "\(error)"])
            }
            // Not migrated yet (we got the read lock before the coordinator took the exclusive
            // one): wait for the migration record to change instead of asking again at once.
            let remaining = deadline - ContinuousClock.now
            // A session that ended finishes the watch at once: nothing more to wait for here.
            guard remaining > .zero, !store.sessionState.isTerminal else { break }
            _ = await withDeadline(remaining) { [store, markerPath] in
                for await value in store.watchData(markerPath) where value?.text == String(target) {
                    return true
                }
                return false
            }
        }
        logger.warning("schema: no coordinator migrated the tree in time", metadata: ["to": "\(target)"])
        return false
    }
}
