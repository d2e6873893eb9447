import Coordination
import Hypervisor
import Logging
import NodeCore

/// The source's side of one migration: lock the VM's keys, check that the record still asks for
/// this migration, then live-migrate with bounded attempts. The locks go back to the VM's queue
/// with the outcome, so they are released only after the outcome is written.
struct MigrationRun: Sendable {
    var uuid: String
    var node: String
    var target: String
    var store: any CoordinationStore
    var hypervisor: any Hypervisor
    var paths: VMPaths
    var settings: VMRuntimeSettings
    var logger: Logger

    func run(maxDowntime: Duration?, attempts: Int) async -> (VMActionOutcome, MigrationLocks?) {
        let uris: (destination: String, migration: String?)
        switch settings.uris(for: target) {
        case .success(let found): uris = found
        case .failure(let problem): return (.aborted("\(problem)"), nil)
        }
        let started = ContinuousClock.now
        let locks: MigrationLocks
        do {
            locks = try await MigrationLocks.acquire(store: store, paths: paths, holder: node, timeout: settings.lockTimeout,
                                                  logger: logger)
        } catch {
            return (.aborted("could not lock the VM's keys within \(settings.lockTimeout): \(error)"), nil)
        }
        let locked = ContinuousClock.now
        // The record as it is now that nobody else may change it; the core says whether the
        // migration still stands.
        let state: String?
        let current: String?
        do {
            async let stateText = store.text(paths.state)
            async let nodeText = store.text(paths.node)
            (state, current) = try await (stateText, nodeText)
        } catch {
            return (.aborted("could not read the VM's keys under its locks: \(error)"), locks)
        }
        if let outcome = MigrationRecheck.outcome(state: state, node: current, target: target, source: node) {
            return (outcome, locks)
        }

        var lastError: HypervisorError?
        for attempt in 1...max(1, attempts) {
            if attempt > 1 { try? await Task.sleep(for: settings.attemptPause) }
            do {
                let result = try await hypervisor.migrate(
                    uuid, to: uris.destination, migrationURI: uris.migration, maxDowntime: maxDowntime)
                let libvirt = result.libvirtTime.map { "\($0.wholeMilliseconds)" } ?? "?"
                logger.info("live migration done", metadata: [
                    "target": "\(target)", "attempt": "\(attempt)", "call_ms": "\(result.callTime.wholeMilliseconds)",
                    "libvirt_ms": "\(libvirt)", "lock_ms": "\(started.duration(to: locked).wholeMilliseconds)",
                    "downtime_ms": "\(result.downtime.map { "\($0.wholeMilliseconds)" } ?? "?")"])
                return (.migrated, locks)
            } catch {
                lastError = error
                logger.warning("live migration attempt failed", metadata: [
                    "target": "\(target)", "attempt": "\(attempt)", "of": "\(attempts)", "error": "\(error)"])
                // A timed-out call may still have moved the domain: believe libvirt, not the error.
                if (try? await hypervisor.state(uuid)) == .notDefined {
                    logger.notice("the domain left this node despite the error; taking it as migrated")
                    return (.migrated, locks)
                }
            }
        }
        return (.failed(lastError?.libvirtMessage ?? lastError.map { "\($0)" } ?? "no attempt made"), locks)
    }
}
