import Foundation
import Hypervisor
import LocalServices
import Synchronization

/// Where every node's libvirtd runs which guests, sampled every `interval` through the test's own
/// connections, from `start` until `stop`: the evidence that no VM ever ran on two nodes at once
/// and of the order in which a node dropped its guests and a peer started them.
public final class GuestSampler: Sendable {
    public struct Sample: Sendable {
        public let at: ContinuousClock.Instant
        /// node → the UUIDs its libvirtd runs (a node whose libvirtd did not answer is absent).
        public let running: [String: Set<String>]
    }

    private let samples = Mutex<[Sample]>([])
    private let task = Mutex<Task<Void, Never>?>(nil)

    public init() {}

    /// Starts sampling `hypervisors` (node → connection); `libvirtds` tell which are still up.
    public func start(_ hypervisors: [String: LibvirtHypervisor], libvirtds: [String: LibvirtDaemon],
                      interval: Duration = .milliseconds(100)) {
        let nodes = hypervisors.keys.sorted()
        let sampling = Task { [self] in
            while !Task.isCancelled {
                var running: [String: Set<String>] = [:]
                for node in nodes {
                    guard let hypervisor = hypervisors[node] else { continue }
                    if let libvirtd = libvirtds[node], !LibvirtDaemon.isAlive(pid: libvirtd.pid) {
                        running[node] = []
                        continue
                    }
                    if let uuids = try? await hypervisor.runningDomains() {
                        running[node] = Set(uuids.map { $0.lowercased() })
                    }
                }
                let sample = Sample(at: .now, running: running)
                self.samples.withLock { $0.append(sample) }
                try? await Task.sleep(for: interval)
            }
        }
        task.withLock { $0 = sampling }
    }

    /// Stops sampling (after one last sample is in); returns every sample.
    @discardableResult
    public func stop() async -> [Sample] {
        let running = task.withLock { task -> Task<Void, Never>? in
            defer { task = nil }
            return task
        }
        running?.cancel()
        await running?.value
        return all
    }

    public var all: [Sample] { samples.withLock { $0 } }

    /// Samples in which one of `uuids` ran on more than one node, described.
    public func doubleRuns(of uuids: [String]) -> [String] {
        let wanted = Set(uuids.map { $0.lowercased() })
        let start = all.first?.at
        return all.compactMap { sample in
            var holders: [String: [String]] = [:]
            for (node, running) in sample.running {
                for uuid in running.intersection(wanted) { holders[uuid, default: []].append(node) }
            }
            let doubles = holders.filter { $0.value.count > 1 }
            guard !doubles.isEmpty else { return nil }
            let offset = start.map { ($0.duration(to: sample.at)).description } ?? "?"
            return "at +\(offset): " + doubles.map { "\($0.key) on \($0.value.sorted())" }.joined(separator: ", ")
        }
    }

    /// The last sample in which `uuid` ran on `node`.
    public func lastSeen(_ uuid: String, on node: String) -> ContinuousClock.Instant? {
        all.last { $0.running[node]?.contains(uuid.lowercased()) == true }?.at
    }

    /// The first sample in which `uuid` ran on a node other than `node`.
    public func firstSeen(_ uuid: String, elsewhereThan node: String) -> ContinuousClock.Instant? {
        all.first { sample in
            sample.running.contains { $0.key != node && $0.value.contains(uuid.lowercased()) }
        }?.at
    }

    /// The first sample at or after `instant` in which `uuid` did not run on `node`.
    public func firstAbsence(_ uuid: String, from node: String,
                             after instant: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        all.first { $0.at >= instant && $0.running[node].map { !$0.contains(uuid.lowercased()) } == true }?.at
    }
}
