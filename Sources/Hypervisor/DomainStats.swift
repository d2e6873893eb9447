/// One domain's statistics (`virConnectGetAllDomainStats`), shaped after the per-VM `stats`
/// JSON PVC writes: totals for the keepalive and per-device figures for the JSON.
public struct DomainStats: Sendable, Hashable {
    public var uuid: String
    public var name: String
    public var state: DomainState
    public var cpuTimeNanoseconds: UInt64?
    public var cpuUserNanoseconds: UInt64?
    public var cpuSystemNanoseconds: UInt64?
    /// The balloon's current size: the memory the guest has now.
    public var balloonCurrentKiB: UInt64?
    public var balloonMaximumKiB: UInt64?
    /// Every other `balloon.*` figure libvirt reported (`rss`, `actual`, `unused`, ...), keyed
    /// without the prefix; what PVC's `mem_stats` holds.
    public var memoryStats: [String: UInt64]
    public var vcpuCurrent: Int?
    public var vcpuMaximum: Int?
    public var disks: [BlockDeviceStats]
    public var interfaces: [InterfaceStats]

    public var blockReadBytes: UInt64 { disks.reduce(0) { $0 + $1.readBytes } }
    public var blockWriteBytes: UInt64 { disks.reduce(0) { $0 + $1.writeBytes } }
    public var blockReadRequests: UInt64 { disks.reduce(0) { $0 + $1.readRequests } }
    public var blockWriteRequests: UInt64 { disks.reduce(0) { $0 + $1.writeRequests } }
    public var networkReceivedBytes: UInt64 { interfaces.reduce(0) { $0 + $1.receivedBytes } }
    public var networkTransmittedBytes: UInt64 { interfaces.reduce(0) { $0 + $1.transmittedBytes } }

    public init(
        uuid: String, name: String, state: DomainState, cpuTimeNanoseconds: UInt64? = nil,
        cpuUserNanoseconds: UInt64? = nil, cpuSystemNanoseconds: UInt64? = nil,
        balloonCurrentKiB: UInt64? = nil, balloonMaximumKiB: UInt64? = nil,
        memoryStats: [String: UInt64] = [:], vcpuCurrent: Int? = nil, vcpuMaximum: Int? = nil,
        disks: [BlockDeviceStats] = [], interfaces: [InterfaceStats] = []
    ) {
        self.uuid = uuid
        self.name = name
        self.state = state
        self.cpuTimeNanoseconds = cpuTimeNanoseconds
        self.cpuUserNanoseconds = cpuUserNanoseconds
        self.cpuSystemNanoseconds = cpuSystemNanoseconds
        self.balloonCurrentKiB = balloonCurrentKiB
        self.balloonMaximumKiB = balloonMaximumKiB
        self.memoryStats = memoryStats
        self.vcpuCurrent = vcpuCurrent
        self.vcpuMaximum = vcpuMaximum
        self.disks = disks
        self.interfaces = interfaces
    }

    init(uuid: String, name: String, parameters: TypedParameters) {
        let p = parameters
        var memory: [String: UInt64] = [:]
        for key in p.values.keys where key.hasPrefix("balloon.") {
            let short = String(key.dropFirst("balloon.".count))
            if short != "current", short != "maximum", let value = p.unsigned(key) { memory[short] = value }
        }
        let diskCount = Int(p.unsigned("block.count") ?? 0)
        let disks = (0..<diskCount).map { index in
            let prefix = "block.\(index)."
            return BlockDeviceStats(
                name: p.string(prefix + "name") ?? "block\(index)",
                readRequests: p.unsigned(prefix + "rd.reqs") ?? 0, readBytes: p.unsigned(prefix + "rd.bytes") ?? 0,
                writeRequests: p.unsigned(prefix + "wr.reqs") ?? 0, writeBytes: p.unsigned(prefix + "wr.bytes") ?? 0,
                errors: p.unsigned(prefix + "errors") ?? 0)
        }
        let interfaceCount = Int(p.unsigned("net.count") ?? 0)
        let interfaces = (0..<interfaceCount).map { index in
            let prefix = "net.\(index)."
            return InterfaceStats(
                name: p.string(prefix + "name") ?? "net\(index)",
                receivedBytes: p.unsigned(prefix + "rx.bytes") ?? 0, receivedPackets: p.unsigned(prefix + "rx.pkts") ?? 0,
                receiveErrors: p.unsigned(prefix + "rx.errs") ?? 0, receiveDrops: p.unsigned(prefix + "rx.drop") ?? 0,
                transmittedBytes: p.unsigned(prefix + "tx.bytes") ?? 0, transmittedPackets: p.unsigned(prefix + "tx.pkts") ?? 0,
                transmitErrors: p.unsigned(prefix + "tx.errs") ?? 0, transmitDrops: p.unsigned(prefix + "tx.drop") ?? 0)
        }
        self.init(
            uuid: uuid, name: name,
            state: p.unsigned("state.state").map { DomainState(libvirt: Int32(truncatingIfNeeded: $0)) } ?? .noState,
            cpuTimeNanoseconds: p.unsigned("cpu.time"), cpuUserNanoseconds: p.unsigned("cpu.user"),
            cpuSystemNanoseconds: p.unsigned("cpu.system"),
            balloonCurrentKiB: p.unsigned("balloon.current"), balloonMaximumKiB: p.unsigned("balloon.maximum"),
            memoryStats: memory,
            vcpuCurrent: p.unsigned("vcpu.current").map { Int($0) }, vcpuMaximum: p.unsigned("vcpu.maximum").map { Int($0) },
            disks: disks, interfaces: interfaces)
    }
}

/// One disk's counters (PVC's `disk_stats` entries).
public struct BlockDeviceStats: Sendable, Hashable {
    public var name: String
    public var readRequests: UInt64
    public var readBytes: UInt64
    public var writeRequests: UInt64
    public var writeBytes: UInt64
    public var errors: UInt64

    public init(name: String, readRequests: UInt64, readBytes: UInt64, writeRequests: UInt64, writeBytes: UInt64, errors: UInt64) {
        self.name = name
        self.readRequests = readRequests
        self.readBytes = readBytes
        self.writeRequests = writeRequests
        self.writeBytes = writeBytes
        self.errors = errors
    }
}

/// One network interface's counters (PVC's `net_stats` entries, rd = received, wr = sent).
public struct InterfaceStats: Sendable, Hashable {
    public var name: String
    public var receivedBytes: UInt64
    public var receivedPackets: UInt64
    public var receiveErrors: UInt64
    public var receiveDrops: UInt64
    public var transmittedBytes: UInt64
    public var transmittedPackets: UInt64
    public var transmitErrors: UInt64
    public var transmitDrops: UInt64

    public init(
        name: String, receivedBytes: UInt64, receivedPackets: UInt64, receiveErrors: UInt64, receiveDrops: UInt64,
        transmittedBytes: UInt64, transmittedPackets: UInt64, transmitErrors: UInt64, transmitDrops: UInt64
    ) {
        self.name = name
        self.receivedBytes = receivedBytes
        self.receivedPackets = receivedPackets
        self.receiveErrors = receiveErrors
        self.receiveDrops = receiveDrops
        self.transmittedBytes = transmittedBytes
        self.transmittedPackets = transmittedPackets
        self.transmitErrors = transmitErrors
        self.transmitDrops = transmitDrops
    }
}
