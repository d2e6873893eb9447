import Hypervisor
import Logging
import NodeCore
import Synchronization

/// Runs this node's `SelfFence` for the daemon's whole life, across ZooKeeper sessions: a node
/// that is cut off reconnects in a loop without keepalives, and that is exactly when it must act.
/// On engage it stops the VM fleet (nothing restarts a VM here), then destroys every running
/// domain, each call bounded by libvirt's own timeouts.
final class SelfFenceWatch: Sendable {
    private let core: Mutex<SelfFence>
    private let hold: GuestHold
    private let hypervisor: (any Hypervisor)?
    private let interval: Duration
    private let time: MonotonicTime
    private let logger: Logger

    init(intervals: Int, keepaliveInterval: Duration, hold: GuestHold, hypervisor: (any Hypervisor)?,
         time: MonotonicTime, logger: Logger) {
        core = Mutex(SelfFence(intervals: intervals, keepaliveInterval: keepaliveInterval.wholeMilliseconds, now: time.now))
        self.hold = hold
        self.hypervisor = hypervisor
        interval = keepaliveInterval
        self.time = time
        self.logger = logger
    }

    var isEnabled: Bool { core.withLock { $0.limit > 0 } }

    func keepalive(succeeded: Bool) async {
        let now = time.now
        await carry(core.withLock { $0.onKeepalive(succeeded: succeeded, now: now) })
    }

    func maintenance(_ on: Bool) {
        let now = time.now
        _ = core.withLock { $0.onMaintenance(on, now: now) }
    }

    /// Ticks four times an interval until cancelled, so it engages at most a quarter interval late.
    func run() async {
        guard isEnabled else { return }
        while !Task.isCancelled {
            try? await Task.sleep(for: interval / 4)
            let now = time.now
            await carry(core.withLock { $0.onTick(now: now) })
        }
    }

    private func carry(_ directives: [SelfFence.Directive]) async {
        for directive in directives {
            switch directive {
            case .engage(let reason):
                logger.critical("self-fence: \(reason); stopping every VM on this node before peers can declare it dead")
                hold.set(engaged: true)
                await waitForFleetsToStop()
                await destroyGuests()
            case .release(let reason):
                logger.notice("self-fence released: \(reason); VMs may run here again")
                hold.set(engaged: false)
            }
        }
    }

    /// Bounded: a fleet stuck in a libvirt call must not keep the guests running.
    private func waitForFleetsToStop() async {
        if await !hold.waitForFleetsToStop(timeout: .seconds(2)) {
            logger.warning("self-fence: the VM fleet did not stop within 2 s; destroying the guests anyway")
        }
    }

    private func destroyGuests() async {
        guard let hypervisor else {
            logger.critical("self-fence: no hypervisor on this node; nothing to destroy")
            return
        }
        let running: [String]
        do {
            running = try await hypervisor.runningDomains()
        } catch {
            logger.critical("self-fence: cannot list the running VMs; they may still run", metadata: ["error": "\(error)"])
            return
        }
        var destroyed: [String] = []
        for uuid in running {
            do {
                try await hypervisor.destroy(uuid)
                destroyed.append(uuid)
            } catch {
                logger.critical("self-fence: could not destroy VM \(uuid)", metadata: ["error": "\(error)"])
            }
        }
        logger.critical("self-fence: destroyed \(destroyed.count) of \(running.count) running VMs",
                        metadata: ["vms": "\(destroyed.joined(separator: " "))"])
    }
}
