import HostStats
import NodeCore

#if canImport(Glibc)
import Glibc
#endif

/// What the host says about itself: the static data of registration and the figures of each
/// keepalive. A read failure is logged by the caller and reported as zeros, never as a missed
/// keepalive: the timestamp matters more than the figures.
enum HostFacts {
    /// PVC's `staticdata`: cpu count, `uname -r`, `uname -o`, `uname -m`.
    static func staticData() -> String {
        var names = utsname()
        uname(&names)
        let release = field(&names.release)
        let machine = field(&names.machine)
        return "\(ProcessEnvironment.processorCount) \(release) GNU/Linux \(machine)"
    }

    static func keepaliveStats(_ host: HostStats) throws -> KeepaliveStats {
        let memory = try host.memory()
        let load = try host.load()
        return KeepaliveStats(memTotalMiB: memory.totalMiB, memUsedMiB: memory.usedMiB,
                              memFreeMiB: memory.availableMiB, cpuLoad: load.cpuloadText)
    }

    private static func field<T>(_ tuple: inout T) -> String {
        withUnsafeBytes(of: &tuple) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
