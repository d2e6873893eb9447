import ArgumentParser
import FenceCluster
import Foundation

/// `pvc-bench failover`: a hypervisor running 4 VMs crashes; how long until all 4 run on its
/// peers, split into detection, saving throws, the IPMI fence and the restart.
struct FailoverBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failover",
        abstract: "Crash of a hypervisor with 4 VMs until they all run on its peers: detection, saving throws, IPMI, restart.",
        discussion: """
            Starts FenceCluster (three root libvirtds hv1..hv3, three pvcnoded, one simulated BMC \
            per node: ipmi_sim, whose power off SIGKILLs the node's daemon and guests and whose power \
            on starts the daemon again), defines and starts the VMs on a node that is not the primary, \
            then crashes that machine: its daemon and its guests' qemu processes SIGKILLed at the same \
            moment. Watches on every /nodes/N/daemonstate stamp `dead` and `fenced`; the victim BMC's \
            power.log stamps its power off (wall clock, mapped onto the benchmark's clock from the \
            moment of the crash); the VMs are polled every 50 ms in the peers' libvirtds. \
            detect_s = crash → dead; saving_throws_s = dead → power off; ipmi_s = power off → fenced; \
            restart_s = fenced → all VMs in `start` and running on peers (each in exactly one \
            libvirtd); total_s = crash → that. Profiles: default = PVC's (keepalive 5 s, \
            fence_intervals 6, saving_throws 6), fast = keepalive 1 s, fence_intervals 3, \
            saving_throws 2. Each profile runs on a fresh cluster. detect_s depends on where in a \
            keepalive interval the crash falls (up to one interval).
            """
    )

    @Option(help: "fast, default or both.")
    var profile: String = "both"

    @Option(help: "VMs on the crashed node.")
    var vms: Int = 4

    @Option(help: "Each guest's memory, MiB.")
    var memory: Int = 64

    @Option(name: .customLong("show-log"), help: "Lines of each daemon's log to print on stderr after each run.")
    var showLog: Int = 0

    func validate() throws {
        guard ["fast", "default", "both"].contains(profile) else {
            throw ValidationError("--profile must be fast, default or both")
        }
        guard vms > 0 else { throw ValidationError("--vms must be positive") }
        guard memory >= 16 else { throw ValidationError("--memory must be at least 16 MiB") }
    }

    mutating func run() async throws {
        var profiles: [(String, FenceCluster.Options)] = []
        if profile != "fast" { profiles.append(("default", .pvcDefaults)) }
        if profile != "default" { profiles.append(("fast", .fast)) }
        var result: [String: JSONValue] = [:]
        let settings = self
        for (name, options) in profiles {
            let started = ContinuousClock.now
            Progress.log("\(name): starting ZooKeeper, three libvirtds, three BMCs and three pvcnoded")
            let figures = try await FenceCluster.with(options) { cluster in
                Progress.log("\(name): cluster ready (\(Progress.seconds(since: started)))")
                return try await settings.measure(cluster, profile: name)
            }
            result[name] = .object(figures)
        }
        emitResult(result)
    }

    private func measure(_ cluster: FenceCluster, profile: String) async throws -> [String: JSONValue] {
        let options = cluster.options
        let victim = await cluster.nonPrimary()
        let peers = FenceCluster.nodeNames.filter { $0 != victim }
        let names = (1...vms).map { "fo-\(profile)-\($0)" }
        let uuids = try await cluster.startGuests(names, on: victim, memoryMiB: memory)
        Progress.log("\(profile): \(vms) VMs run on \(victim); crashing it")
        let recorder = cluster.recordDaemonStates()
        defer { recorder.stop() }
        let statePath = "/nodes/\(victim)/daemonstate"

        let wallCrash = Date()
        let crash = ContinuousClock.now
        let guests = await cluster.crash(victim)
        Progress.log("\(profile): daemon and \(guests.count) guests SIGKILLed")

        guard let dead = await recorder.waitFor(statePath, "dead", after: crash,
                                                timeout: options.deadThreshold + .seconds(60)) else {
            throw BenchError("\(victim) never marked dead\n\(cluster.logTails())")
        }
        Progress.log("\(profile): dead after \(rounded(crash.duration(to: dead).seconds, places: 2)) s")
        guard let fenced = await recorder.waitFor(statePath, "fenced", after: dead,
                                                  timeout: options.fenceDelay + .seconds(90)) else {
            throw BenchError("\(victim) never fenced: \(recorder.values(statePath))\n\(cluster.logTails())")
        }
        Progress.log("\(profile): fenced after \(rounded(crash.duration(to: fenced).seconds, places: 2)) s")

        let session = cluster.session
        let restarted = try await cluster.eventually(timeout: .seconds(180), interval: .milliseconds(50)) {
            for uuid in uuids {
                let running = try await cluster.runningOn(uuid)
                guard running.count == 1, peers.contains(running[0]) else { return false }
                guard let state = try? await session.get("/domains/\(uuid)/state").data,
                      String(decoding: state, as: UTF8.self) == "start" else { return false }
            }
            return true
        }
        let running = ContinuousClock.now
        guard restarted else {
            throw BenchError("the VMs did not all start on \(peers)\n\(cluster.logTails())")
        }

        // The BMC's power off, on its wall clock, placed on ours through the crash's two stamps.
        let off = cluster.powerLog(victim).first { $0.action == "off" && $0.date >= wallCrash.addingTimeInterval(-1) }
        let offInstant = off.map { crash.advanced(by: .milliseconds(Int64(($0.date.timeIntervalSince(wallCrash) * 1000).rounded()))) }
        if showLog > 0 { Progress.log("\(profile):\n\(cluster.logTails(showLog))") }

        func seconds(_ from: ContinuousClock.Instant?, _ to: ContinuousClock.Instant?) -> JSONValue {
            guard let from, let to else { return .null }
            return .number(rounded(from.duration(to: to).seconds, places: 3))
        }
        return [
            "detect_s": seconds(crash, dead),
            "saving_throws_s": seconds(dead, offInstant),
            "ipmi_s": seconds(offInstant, fenced),
            "restart_s": seconds(fenced, running),
            "total_s": seconds(crash, running),
        ]
    }
}
