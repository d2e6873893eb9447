import ClusterClient
import Coordination
import Foundation
import Hypervisor
import LocalServices
import Synchronization
import TestSupport
import VMCluster
import ZooKeeper

#if canImport(Glibc)
import Glibc
#endif

/// `VMCluster` (three pvcnoded hv1..hv3 with a libvirtd each) plus a simulated BMC per node
/// (`ipmi_sim` through scripts/ipmi.sh) whose power off really SIGKILLs that node's daemon and its
/// guests and whose power on starts the daemon again: what the fencing tests and `pvc-bench
/// failover` run on. Optionally a ZooKeeper of the cluster's own (to stop and start), and one node
/// inside a network namespace that the test can cut off from ZooKeeper while its libvirtd (a unix
/// socket) stays reachable.
public final class FenceCluster: Sendable {
    public static let nodeNames = VMCluster.nodeNames
    public static let ipmiUser = "admin"
    public static let ipmiPassword = "fence-secret"

    /// The cluster's keys, libvirtds and observations.
    public let vm: VMCluster
    public let options: Options
    /// A ZooKeeper of this cluster's own (`Options.ownZooKeeper` or a partitioned node).
    public let zooKeeper: ZooKeeperServer?
    /// The namespace of `Options.partitionedNode`.
    public let network: TestNetwork?
    private let machines: [String: NodeMachine]

    public struct Options: Sendable {
        public var keepaliveSeconds = 1
        public var fenceIntervals = 3
        public var savingThrows = 2
        /// 0: no self-fencing.
        public var suicideIntervals = 0
        public var successfulFence = "migrate"
        public var failedFence = "none"
        public var disableOnIPMIFailure = false
        /// Nodes whose BMC acknowledges a power off and does nothing.
        public var stuckOn: Set<String> = []
        /// Nodes whose configured BMC is a loopback UDP port nothing listens on (no BMC at all).
        public var unreachableBMC: Set<String> = []
        /// A ZooKeeper of the cluster's own, which `stopZooKeeper`/`startZooKeeper` can take away.
        public var ownZooKeeper = false
        /// A node whose daemon runs in a network namespace, ZooKeeper on the bridge's address, so
        /// that `cut` can partition it. Implies a ZooKeeper of the cluster's own.
        public var partitionedNode: String?
        public var shutdownTimeoutSeconds = 3
        /// How long a powered-on machine takes to start its daemon again. Real machines take
        /// minutes; 2 s keeps the tests short while the fencer's writes after the power cycle
        /// (fenced, the zeroed figures) still land before the node's own figures do.
        public var bootDelaySeconds = 2
        /// The Ceph the nodes use (nil: storage off); see `VMCluster.Options.ceph`.
        public var ceph: CephCluster?
        /// Extra lines under `logging:`.
        public var logging: [String] = []

        public init() {}

        /// keepalive 1 s, dead after 3 s, fenced after 2 more intervals.
        public static var fast: Options { Options() }

        /// PVC's defaults: keepalive 5 s, fence_intervals 6, saving_throws 6.
        public static var pvcDefaults: Options {
            var options = Options()
            options.keepaliveSeconds = 5
            options.fenceIntervals = 6
            options.savingThrows = 6
            return options
        }

        /// keepalive × fence_intervals: how long without a keepalive before a node is dead.
        public var deadThreshold: Duration { .seconds(keepaliveSeconds * fenceIntervals) }
        /// From the last keepalive to the fence: the dead threshold and the saving throws.
        public var fenceDelay: Duration { .seconds(keepaliveSeconds * (fenceIntervals + savingThrows)) }
    }

    private init(vm: VMCluster, options: Options, zooKeeper: ZooKeeperServer?, network: TestNetwork?,
                 machines: [String: NodeMachine]) {
        self.vm = vm
        self.options = options
        self.zooKeeper = zooKeeper
        self.network = network
        self.machines = machines
    }

    /// Starts everything (BMCs first, their addresses go into the configs), runs `body`, and
    /// stops everything however `body` ends: the daemons the test started and the ones a BMC
    /// started (by the PID in node.pid), the BMCs, the libvirtds, the ZooKeeper and the network.
    public static func with<T>(_ options: Options = Options(),
                               _ body: (FenceCluster) async throws -> T) async throws -> T {
        try LibvirtDaemon.requireRoot()
        var network: TestNetwork?
        var zooKeeper: ZooKeeperServer?
        var machines: [String: NodeMachine] = [:]
        func cleanUp() async {
            for machine in machines.values { await machine.stop() }
            if let zooKeeper { try? await zooKeeper.stop() }
            if let network { try? await network.down() }
        }
        do {
            if let partitioned = options.partitionedNode {
                guard nodeNames.contains(partitioned) else { throw FleetError(description: "no node \(partitioned)") }
                network = try await TestNetwork.up(nodes: 1, names: [partitioned])
            }
            if let network {
                zooKeeper = try await ZooKeeperServer.start(bind: network.hostAddress)
            } else if options.ownZooKeeper {
                zooKeeper = try await ZooKeeperServer.start()
            }
            for name in nodeNames {
                if options.unreachableBMC.contains(name) {
                    machines[name] = try NodeMachine(name: name, bmc: nil,
                                                     unreachableAddress: "127.0.0.1:\(try unusedUDPPort())")
                } else {
                    let bmc = try await SimulatedBMC.start(name: name, stuckOn: options.stuckOn.contains(name),
                                                           user: ipmiUser, password: ipmiPassword)
                    machines[name] = try NodeMachine(name: name, bmc: bmc, unreachableAddress: nil)
                }
            }
            let result = try await VMCluster.with(vmOptions(options, zooKeeper: zooKeeper, network: network,
                                                            machines: machines)) { vm in
                let cluster = FenceCluster(vm: vm, options: options, zooKeeper: zooKeeper, network: network,
                                           machines: machines)
                do {
                    let result = try await body(cluster)
                    // Before VMCluster stops the libvirtds: no BMC may start a daemon again.
                    for machine in machines.values { await machine.stop() }
                    return result
                } catch {
                    for machine in machines.values { await machine.stop() }
                    throw error
                }
            }
            await cleanUp()
            return result
        } catch {
            await cleanUp()
            throw error
        }
    }

    private static func vmOptions(_ options: Options, zooKeeper: ZooKeeperServer?, network: TestNetwork?,
                                  machines: [String: NodeMachine]) -> VMCluster.Options {
        var vm = VMCluster.Options()
        vm.keepaliveSeconds = options.keepaliveSeconds
        vm.shutdownTimeoutSeconds = options.shutdownTimeoutSeconds
        vm.logging = options.logging
        vm.zooKeeperHosts = zooKeeper?.connectString
        vm.ceph = options.ceph
        let addresses = machines.mapValues(\.bmcAddress)
        vm.fencing = { node in
            [
                "intervals:",
                "  fence_intervals: \(options.fenceIntervals)",
                "  saving_throws: \(options.savingThrows)",
                "  suicide_intervals: \(options.suicideIntervals)",
                "actions:",
                "  successful_fence: \(options.successfulFence)",
                "  failed_fence: \(options.failedFence)",
                "disable_on_ipmi_failure: \(options.disableOnIPMIFailure)",
                "ipmi:",
                "  hostname: \"\(addresses[node] ?? "")\"",
                "  username: \(ipmiUser)",
                "  password: \(ipmiPassword)",
                "  cipher_suite: 3",
            ]
        }
        let prefix = network?.nodes.first?.execPrefix ?? []
        let partitioned = options.partitionedNode
        vm.launch = { launch in
            guard let machine = machines[launch.name] else {
                throw FleetError(description: "no machine for \(launch.name)")
            }
            let nodePrefix = launch.name == partitioned ? prefix : []
            let daemon = try launch.fleet.start(name: launch.name, config: launch.config, prefix: nodePrefix)
            try machine.record(pid: daemon.pid)
            let directory = launch.fleet.directory
            try machine.writeScripts(binary: DaemonProcess.binary.path,
                                     configPath: directory.appendingPathComponent("\(launch.name).yaml").path,
                                     logPath: daemon.logPath, prefix: nodePrefix, libvirtd: launch.libvirtd,
                                     bootDelaySeconds: options.bootDelaySeconds)
        }
        return vm
    }

    /// A loopback UDP port nothing listens on (bound and released at once).
    static func unusedUDPPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw FleetError(description: "socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress -> Bool in
                bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
            }
        }
        guard bound else { throw FleetError(description: "bind: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// The project's scripts (`PVC_SCRIPTS_DIR`, else next to the sources), as LocalServices finds them.
    static func scriptPath(_ name: String) throws -> String {
        var directories: [String] = []
        if let dir = ProcessInfo.processInfo.environment["PVC_SCRIPTS_DIR"], !dir.isEmpty { directories.append(dir) }
        directories.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts").path)
        for directory in directories where FileManager.default.isReadableFile(atPath: directory + "/" + name) {
            return directory + "/" + name
        }
        throw FleetError(description: "\(name) not found in \(directories)")
    }

    // MARK: Nodes as machines

    /// The PID of `node`'s daemon now (the test's or the one its BMC started), if it runs.
    public func daemonPID(_ node: String) -> Int32? {
        guard let machine = machines[node], let pid = machine.pid, NodeMachine.isDaemon(pid) else { return nil }
        return pid
    }

    public func daemonRuns(_ node: String) -> Bool { daemonPID(node) != nil }

    /// SIGKILLs `node`'s daemon (whichever process runs it now) and waits until it is gone.
    public func killDaemon(_ node: String) async {
        await machines[node]?.killDaemon()
    }

    /// SIGSTOPs `node`'s daemon: a hung machine (no keepalives; the process, the BMC's power,
    /// and the node's guests all still there).
    public func freezeDaemon(_ node: String) {
        if let pid = daemonPID(node) { kill(pid, SIGSTOP) }
    }

    /// A crashed machine: the daemon SIGKILLed and, at the same moment, every guest of the node's
    /// libvirtd (their qemu processes). Returns the guests' PIDs killed.
    @discardableResult
    public func crash(_ node: String) async -> [Int32] {
        let guests = guestPIDs(node)
        if let pid = daemonPID(node) { kill(pid, SIGKILL) }
        for guest in guests { kill(guest, SIGKILL) }
        await killDaemon(node)
        return guests
    }

    /// The qemu PIDs of `node`'s libvirtd, from the PID files libvirt keeps.
    public func guestPIDs(_ node: String) -> [Int32] {
        guard let libvirtd = vm.libvirtds[node] else { return [] }
        let directory = libvirtd.directory + "/run/qemu"
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { $0.hasSuffix(".pid") }.compactMap { file in
            guard let text = try? String(contentsOfFile: directory + "/" + file, encoding: .utf8),
                  let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
                  LibvirtDaemon.isAlive(pid: pid),
                  let command = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8),
                  command.hasPrefix("qemu")
            else { return nil }
            return pid
        }
    }

    /// Starts `node`'s daemon again by hand (as the test started it, log appended); its BMC
    /// sees the new PID.
    public func restartDaemon(_ node: String) throws {
        guard let machine = machines[node] else { throw FleetError(description: "no node \(node)") }
        let daemon = try vm.fleet.restart(node)
        try machine.record(pid: daemon.pid)
    }

    /// Runs ipmitool against `node`'s BMC (`ipmi.sh tool`), e.g. `["chassis", "power", "off"]`.
    @discardableResult
    public func bmcTool(_ node: String, _ arguments: [String]) async throws -> String {
        guard let machine = machines[node], machine.bmc != nil else { throw FleetError(description: "\(node) has no BMC") }
        return try await ScriptRunner.run("ipmi.sh", ["tool", machine.directory] + arguments, timeout: 30)
    }

    /// The BMC address `node`'s config publishes (host:port).
    public func bmcAddress(_ node: String) -> String? { machines[node]?.bmcAddress }

    /// `node`'s BMC's chassis.log: what its power actions did (the off hook's kills among them).
    public func chassisLog(_ node: String) -> String {
        guard let machine = machines[node] else { return "" }
        return (try? String(contentsOfFile: machine.directory + "/chassis.log", encoding: .utf8)) ?? ""
    }

    /// `node`'s BMC's power.log (empty for a node without a BMC).
    public func powerLog(_ node: String) -> [PowerEvent] { machines[node]?.powerLog() ?? [] }

    /// `node`'s daemon log, every run of it (the BMC's restarts append to the same file).
    public func log(_ node: String) -> String {
        (try? String(contentsOfFile: vm.fleet.directory.appendingPathComponent("\(node).log").path,
                     encoding: .utf8)) ?? ""
    }

    /// Every node's log lines containing `marker` (e.g. a fencer's verdict, whoever fenced).
    public func fenceLogLines(containing marker: String) -> [String] {
        Self.nodeNames.flatMap { node in
            log(node).split(separator: "\n").filter { $0.contains(marker) }.map { "\(node): \($0)" }
        }
    }

    /// The last lines of every node's log and power.log, for a failure message.
    public func logTails(_ lines: Int = 40) -> String {
        Self.nodeNames.map { node in
            let tail = log(node).split(separator: "\n", omittingEmptySubsequences: false).suffix(lines)
                .joined(separator: "\n")
            let power = powerLog(node).map(\.description).joined(separator: "\n")
            return "--- \(node) ---\n\(tail)\n--- \(node) power.log ---\n\(power)"
        }.joined(separator: "\n")
    }

    // MARK: ZooKeeper and the partition

    /// SIGKILLs the cluster's own ZooKeeper (every session loses its server).
    public func stopZooKeeper() async throws {
        guard let zooKeeper else { throw FleetError(description: "the cluster has no ZooKeeper of its own") }
        try await zooKeeper.kill(1)
    }

    /// Starts it again with its data; returns once it serves.
    public func startZooKeeper() async throws {
        guard let zooKeeper else { throw FleetError(description: "the cluster has no ZooKeeper of its own") }
        try await zooKeeper.restart(1)
    }

    /// Takes the partitioned node's eth0 down inside its namespace: nothing of ZooKeeper's reaches
    /// it any more (nor anything else on the bridge), while its libvirtd's unix socket stays
    /// reachable. (nft rules would cut ZooKeeper alone, but nftables is not among the test's
    /// dependencies; the node has nothing else on the network to lose.)
    public func cut() async throws {
        guard let network else { throw FleetError(description: "no partitioned node") }
        try await network.exec(1, ["ip", "link", "set", "eth0", "down"])
    }

    /// eth0 up again (its address and the bridge's /24 route come back with it).
    public func heal() async throws {
        guard let network else { throw FleetError(description: "no partitioned node") }
        try await network.exec(1, ["ip", "link", "set", "eth0", "up"])
    }

    /// Whether the partitioned node's namespace reaches ZooKeeper now (a TCP connect from inside
    /// it, bounded to `timeout` seconds).
    public func partitionedNodeReachesZooKeeper(timeout: Int = 2) async -> Bool {
        guard let network, let zooKeeper else { return false }
        let probe = "exec 3<>/dev/tcp/\(zooKeeper.bindAddress)/\(zooKeeper.basePort)"
        return (try? await network.exec(1, ["timeout", String(timeout), "bash", "-c", probe])) != nil
    }

    // MARK: Cluster helpers

    public var session: ZooKeeperClient { vm.session }
    public var client: ClusterClient { vm.client }

    public func value(_ path: String) async -> String? { await vm.value(path) }

    public func waitFor(_ path: String, timeout: Duration,
                        _ predicate: @escaping @Sendable (String?) -> Bool) async throws -> Bool {
        try await vm.waitFor(path, timeout: timeout, predicate)
    }

    public func eventually(timeout: Duration = .seconds(60), interval: Duration = .milliseconds(100),
                           _ condition: @Sendable () async throws -> Bool) async throws -> Bool {
        try await vm.eventually(timeout: timeout, interval: interval, condition)
    }

    public func runningOn(_ uuid: String) async throws -> [String] { try await vm.runningOn(uuid) }

    public func write(_ path: String, _ value: String) async throws {
        _ = try await session.set(path, data: Array(value.utf8), version: nil)
    }

    /// The primary coordinator now.
    public func primary() async -> String? { await value("/config/primary_node") }

    /// Makes `node` the primary (as an operator's switch does) unless it is; true once it is.
    public func makePrimary(_ node: String, timeout: Duration = .seconds(60)) async throws -> Bool {
        if await primary() == node { return true }
        try await write("/config/primary_node", node)
        return try await waitFor("/nodes/\(node)/routerstate", timeout: timeout) { $0 == "primary" }
    }

    /// Watches every node's `daemonstate` (and the keys in `extra`) from now on.
    public func recordDaemonStates(extra: [String] = []) -> KeyRecorder {
        KeyRecorder(session, paths: Self.nodeNames.map { "/nodes/\($0)/daemonstate" } + extra)
    }

    /// A node that is not the primary (the victim of a plain hypervisor crash).
    public func nonPrimary(preferring preferred: [String] = ["hv2", "hv3", "hv1"]) async -> String {
        let primary = await primary()
        return preferred.first { $0 != primary } ?? "hv2"
    }

    /// Defines and starts TCG guests on `node`; returns their UUIDs once each runs there alone
    /// and the node's keepalive lists them all in `runningdomains`.
    /// `volumes[i]` are guest i's RBD disks (`pool/image`, needs `Options.ceph`).
    public func startGuests(_ names: [String], on node: String, memoryMiB: Int = 64,
                            volumes: [[String]] = []) async throws -> [String] {
        var uuids: [String] = []
        for (index, name) in names.enumerated() {
            let disks = index < volumes.count ? volumes[index] : []
            let uuid = try await vm.define(name: name, node: node, memoryMiB: memoryMiB, volumes: disks)
            _ = try await client.start(uuid)
            uuids.append(uuid)
        }
        for (name, uuid) in zip(names, uuids) {
            guard try await eventually(timeout: .seconds(120), { try await runningOn(uuid) == [node] }) else {
                throw FleetError(description: "VM \(name) did not come up on \(node)\n\(logTails())")
            }
        }
        let expected = Set(uuids)
        let listed = try await waitFor("/nodes/\(node)/runningdomains", timeout: .seconds(60)) { value in
            expected.isSubset(of: Set((value ?? "").split(separator: " ").map(String.init)))
        }
        guard listed else { throw FleetError(description: "\(node)'s runningdomains never listed \(uuids)") }
        return uuids
    }
}
