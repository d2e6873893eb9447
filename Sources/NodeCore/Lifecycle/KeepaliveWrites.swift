import Coordination

/// The keepalive's writes, in PVC's order and value formats (integers as decimal text, the running
/// VMs space-separated, the timestamp last so it is taken as late as possible).
enum KeepaliveWrites {
    static func operations(_ stats: KeepaliveStats, paths: NodePaths, now: Int) -> [Operation] {
        [
            set(paths.memTotal, String(stats.memTotalMiB)),
            set(paths.memUsed, String(stats.memUsedMiB)),
            set(paths.memFree, String(stats.memFreeMiB)),
            set(paths.memAllocated, String(stats.memAllocatedMiB)),
            set(paths.memProvisioned, String(stats.memProvisionedMiB)),
            set(paths.vcpuAllocated, String(stats.vcpuAllocated)),
            set(paths.cpuLoad, stats.cpuLoad),
            set(paths.domainsCount, String(stats.domainsCount)),
            set(paths.runningDomains, stats.runningDomains.joined(separator: " ")),
            set(paths.keepalive, String(now)),
        ]
    }

    static func state(_ state: DaemonState, paths: NodePaths) -> Operation {
        set(paths.daemonState, state.rawValue)
    }

    static func set(_ path: String, _ value: String) -> Operation {
        .set(path, data: Array(value.utf8))
    }
}
