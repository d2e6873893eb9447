/// How long a migration took. `libvirtTime` is libvirt's own figure (the job-completed event's
/// `time_elapsed`), which the benchmark subtracts to get the daemon's overhead; `callTime` is
/// the wall time of the migrate call as this process measured it.
public struct MigrationResult: Sendable, Hashable {
    public var libvirtTime: Duration?
    /// Guest pause during switch-over, as libvirt reports it.
    public var downtime: Duration?
    /// Bytes of guest memory transferred, as libvirt reports it.
    public var memoryBytes: UInt64?
    public var callTime: Duration

    /// libvirt's own time when it reported one, else the measured call time.
    public var time: Duration { libvirtTime ?? callTime }

    public init(libvirtTime: Duration?, downtime: Duration?, memoryBytes: UInt64?, callTime: Duration) {
        self.libvirtTime = libvirtTime
        self.downtime = downtime
        self.memoryBytes = memoryBytes
        self.callTime = callTime
    }
}
