import ClusterSchema
import Coordination
import Foundation
import HostStats
import Logging
import NodeCore
import ServiceLifecycle
import ZooKeeper

/// The runtime of one node: connects, prepares the schema, then feeds the lifecycle core its
/// events (start, ticks, shutdown, write outcomes) and carries out its directives. A lost session
/// is replaced by a new one and the node registers again; only a shutdown ends the service.
struct NodeDaemon: Service {
    enum Outcome {
        case stopped
        case sessionLost(SessionState)
    }

    var settings: DaemonSettings
    var logger: Logger

    func run() async throws {
        let catalog = try SchemaCatalog.bundled()
        let connector = SessionConnector(configuration: settings.zookeeper, logger: logger)
        var lastProblem: String?
        var backoff = Duration.milliseconds(250)
        while !Task.isShuttingDownGracefully {
            // A shutdown while no server answers ends the wait: nothing of ours is to clean up.
            guard let store = await cancelWhenGracefulShutdown({ await connector.connect() }) else {
                logger.notice("shut down before ZooKeeper was reached")
                return
            }
            let stateLog = Task { [logger] in
                for await state in store.sessionStates() {
                    logger.info("ZooKeeper session \(state)")
                }
            }
            defer { stateLog.cancel() }
            let outcome: Outcome
            do {
                outcome = try await serve(on: store, catalog: catalog)
            } catch {
                // Garbage in a key we read, or a lock that timed out: stay up, say so once, and
                // try again from the start, as an operator may fix the cluster under us.
                await store.close()
                let problem = "\(error)"
                if problem != lastProblem {
                    logger.error("startup failed, retrying", metadata: ["error": "\(problem)"])
                    lastProblem = problem
                }
                let pause = backoff
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
                backoff = min(backoff * 2, .seconds(10))
                continue
            }
            switch outcome {
            case .stopped:
                return
            case .sessionLost(let state):
                logger.error("ZooKeeper session lost, connecting again", metadata: ["state": "\(state)"])
                await store.close()
            }
        }
    }

    private func serve(on store: ZooKeeperClient, catalog: SchemaCatalog) async throws -> Outcome {
        let schema = try await SchemaSetup(catalog: catalog, logger: logger).ensure(on: store)
        let identity = NodeIdentity(
            name: settings.name, role: settings.role, staticData: HostFacts.staticData(),
            pvcVersion: DaemonSettings.pvcVersion, ipmiHostname: settings.ipmiHostname,
            ipmiUsername: settings.ipmiUsername, ipmiPassword: settings.ipmiPassword,
            activeSchema: schema.version, latestSchema: catalog.latest ?? schema.version)
        var lifecycle = NodeLifecycle(identity: identity, paths: try NodePaths(schema: schema, node: settings.name))
        var outages = OutageLog(logger: logger)

        var backoff = Duration.milliseconds(250)
        while lifecycle.phase != .initialized {
            if store.sessionState.isTerminal { return .sessionLost(store.sessionState) }
            if Task.isShuttingDownGracefully {
                await store.close()
                return .stopped
            }
            do {
                let exists = try await store.exists(lifecycle.paths.root) != nil
                await perform(lifecycle.onStarted(nodeExists: exists, now: Self.now()),
                                  on: store, lifecycle: &lifecycle, outages: &outages)
            } catch {
                outages.failed("registration", "\(error)")
            }
            if lifecycle.phase != .initialized {
                let pause = backoff
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
                backoff = min(backoff * 2, .seconds(5))
            }
        }
        logger.info("registered", metadata: ["state": "init", "role": "\(settings.role.rawValue)",
                                             "schema": "\(schema.version)"])

        let clock = ContinuousClock()
        // The first keepalive goes at once: `run` need not wait an interval after registration.
        var next = clock.now
        while true {
            let wakeAt = next
            // Only the sleep is cancelled by a shutdown, never a write in flight.
            let woke: Void? = try? await cancelWhenGracefulShutdown {
                try await Task.sleep(until: wakeAt, clock: clock)
            }
            if woke == nil || Task.isShuttingDownGracefully { break }
            if store.sessionState.isTerminal { return .sessionLost(store.sessionState) }
            next = next.advanced(by: settings.keepaliveInterval)
            // A late keepalive must not make the next ones late as well.
            if next < clock.now { next = clock.now.advanced(by: settings.keepaliveInterval) }
            let wasRunning = lifecycle.phase == .running
            await perform(lifecycle.onKeepaliveTick(stats(&outages), now: Self.now()),
                              on: store, lifecycle: &lifecycle, outages: &outages)
            if !wasRunning && lifecycle.phase == .running { logger.notice("daemon state run") }
        }

        logger.notice("shutting down")
        await perform(lifecycle.onShutdownRequested(stats(&outages), now: Self.now()),
                          on: store, lifecycle: &lifecycle, outages: &outages)
        logger.notice("stopped", metadata: ["state": "\(lifecycle.committedState?.rawValue ?? "none")"])
        return .stopped
    }

    /// Carries out directives until the core has nothing more to ask. Every write is bounded by
    /// the keepalive interval, whatever the client does.
    private func perform(_ initial: [Directive], on store: ZooKeeperClient,
                         lifecycle: inout NodeLifecycle, outages: inout OutageLog) async {
        var queue = initial
        while !queue.isEmpty {
            switch queue.removeFirst() {
            case .write(let purpose, let operations):
                let result = await boundedCall(settings.keepaliveInterval) {
                    try await store.multi(operations)
                }
                switch result {
                case .success:
                    outages.succeeded(purpose.rawValue)
                    queue += lifecycle.onWriteSucceeded(purpose)
                case .failure(let error):
                    outages.failed(purpose.rawValue, "\(error)")
                    queue += lifecycle.onWriteFailed(purpose)
                case nil:
                    outages.failed(purpose.rawValue, "no answer within \(settings.keepaliveInterval)")
                    queue += lifecycle.onWriteFailed(purpose)
                }
            case .retryStartup:
                // The registration loop looks again at whether the node exists.
                break
            case .closeSession:
                await store.close()
            }
        }
    }

    private func stats(_ outages: inout OutageLog) -> KeepaliveStats {
        do {
            let stats = try HostFacts.keepaliveStats(HostStats())
            outages.succeeded("host statistics")
            return stats
        } catch {
            outages.failed("host statistics", "\(error)")
            return KeepaliveStats()
        }
    }

    private static func now() -> Int {
        Int(Date().timeIntervalSince1970)
    }
}
