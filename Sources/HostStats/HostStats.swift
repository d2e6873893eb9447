/// The node's own statistics for the keepalive, read from /proc. Reads are local and take
/// microseconds, so they run inline on the keepalive path; they never touch a peer or a service.
public struct HostStats: Sendable {
    /// Where /proc is; a test points it at a folder of its own.
    public var procRoot: String

    public init(procRoot: String = "/proc") {
        self.procRoot = procRoot
    }

    public func memory() throws(HostStatsError) -> MemoryInfo {
        try MemoryInfo.parse(procMeminfo: ProcFile.read(procRoot + "/meminfo"))
    }

    public func load() throws(HostStatsError) -> LoadAverage {
        try LoadAverage.parse(procLoadavg: ProcFile.read(procRoot + "/loadavg"))
    }
}
