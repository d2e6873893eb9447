import ClusterSchema
import Coordination
import Foundation
import Logging
import NodeCore
import ServiceLifecycle

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
                let error = Reexecution.execute()
                logger.error("schema: could not re-execute", metadata: ["errno": "\(error)",
                                                                         "error": "\(String(cString: strerror(error)))"])
                queue += agreement.onReexecuteFailed()
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
            let path = try latest.path("node.data.latest_schema", item: name)
            peers[name] = try? String(decoding: await store.get(path).data, as: UTF8.self)
        }
        return (String(decoding: version.data, as: UTF8.self), version.stat.version, peers)
    }

    private func marker() async -> String? {
        guard let data = try? await store.get(markerPath).data else { return nil }
        return String(decoding: data, as: UTF8.self)
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
                try? await lease.release()
                if current == String(target) {
                    logger.notice("schema: the tree is migrated", metadata: ["schema": "\(target)"])
                    return true
                }
            } catch {
                logger.warning("schema: read lock failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
        logger.warning("schema: no coordinator migrated the tree in time", metadata: ["to": "\(target)"])
        return false
    }
}
