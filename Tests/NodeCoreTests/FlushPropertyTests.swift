import NodeCore
import Testing
import TestSupport

/// Seeded random runs of `NodeFlush` and `NodeReady` against a runtime that answers in random
/// order, late, wrongly (errors, aborts, garbage, stale records) or not at all — but always
/// delivers the ticks it was asked for. Whatever happens:
/// - the core ends (the domainstate is written exactly once, or it was cancelled): no endless flush;
/// - never more than `maxParallel` VMs in flight;
/// - a flush never chooses this node, the VM's node or its original home as target;
/// - never more than `maxRetries` writes (migrations, shutdowns) per VM;
/// - after the end (or a cancel) nothing more comes out.
@Suite struct FlushPropertyTests {
    static let me = "hv1"

    /// What the simulated runtime still owes the core.
    enum Pending {
        case candidates
        case written(uuid: String, error: String?)
        case record(uuid: String, state: VMState?, node: String, lastNode: String)
        case tick(at: Int)
        case cancel
    }

    struct World {
        var rng: SplitMix64
        var now = 0
        var pending: [Pending] = []
        var nodes: [CandidateNode] = []
        var writes: [String: Int] = [:]
        var domainStateWrites = 0
        var directivesAfterEnd = 0
        var problems: [String] = []
        var initial: [String: FlushVM] = [:]

        init(seed: UInt64) { rng = SplitMix64(seed: seed) }

        mutating func chance(_ percent: Int) -> Bool { rng.next(below: 100) < percent }

        mutating func pick<T>(_ items: [T]) -> T { items[rng.next(below: items.count)] }

        mutating func randomNodes() {
            nodes = [CandidateNode(name: FlushPropertyTests.me, daemonState: "run", domainState: "flush",
                                   memFreeMiB: 64000)]
            for index in 2...(2 + rng.next(below: 4)) {
                nodes.append(CandidateNode(
                    name: "hv\(index)", daemonState: chance(85) ? "run" : "stop",
                    domainState: pick(["ready", "ready", "ready", "flushed", "garbage"]),
                    memFreeMiB: chance(10) ? nil : rng.next(below: 20000)))
            }
        }

        mutating func randomVMs(ready: Bool) -> [FlushVM] {
            let states: [VMState?] = [.start, .start, .start, .restart, .shutdown, .migrate, .stop, .fail, nil]
            return (0..<rng.next(below: 10)).map { index in
                let others = nodes.map(\.name).filter { $0 != FlushPropertyTests.me } + ["hv9"]
                let node = ready ? pick(others + [FlushPropertyTests.me]) : FlushPropertyTests.me
                let lastNode = ready ? pick(["", FlushPropertyTests.me, FlushPropertyTests.me, pick(others)])
                    : pick(["", "", "", pick(others)])
                let limit: String? = chance(20) ? nodes.map(\.name).filter { _ in chance(50) }.joined(separator: ",") : nil
                let vm = FlushVM(uuid: "u\(index)", name: "vm\(rng.next(below: 5))", state: pick(states), node: node,
                                 lastNode: lastNode, autostart: chance(20), memoryMiB: 512 + rng.next(below: 8000),
                                 vcpus: 1 + rng.next(below: 8), nodeLimit: limit,
                                 nodeSelector: pick([nil, "mem", "none", "", "bogus"]))
                initial[vm.uuid] = vm
                return vm
            }
        }

        /// The runtime's answers to what the core asked.
        mutating func absorb(_ directives: [FlushDirective], settings: FlushSettings, ready: Bool) {
            for directive in directives {
                switch directive {
                case .readCandidates:
                    if chance(90) { pending.append(.candidates) }
                case .writeMigration(let uuid, let state, let target, let lastNode):
                    writes[uuid, default: 0] += 1
                    if writes[uuid]! > settings.maxRetries { problems.append("\(uuid): more than maxRetries writes") }
                    if !ready, let vm = initial[uuid] {
                        let home = vm.lastNode.isEmpty ? vm.node : vm.lastNode
                        if target == FlushPropertyTests.me || target == vm.node || target == home {
                            problems.append("\(uuid): target \(target) is this node, its node or its home")
                        }
                        if state != .migrate || lastNode != home { problems.append("\(uuid): odd migration write") }
                    }
                    if ready && (target != FlushPropertyTests.me || state != .migrateLive) {
                        problems.append("\(uuid): odd homecoming write")
                    }
                    answerWrite(uuid: uuid, target: target)
                case .writeShutdown(let uuid):
                    writes[uuid, default: 0] += 1
                    if writes[uuid]! > settings.maxRetries { problems.append("\(uuid): more than maxRetries writes") }
                    if ready { problems.append("\(uuid): a ready shut a VM down") }
                    answerWrite(uuid: uuid, target: nil)
                case .readRecord(let uuid):
                    if chance(90) {
                        let me = FlushPropertyTests.me
                        pending.append(.record(uuid: uuid, state: pick([.start, .migrate, .stop, nil]),
                                               node: pick([me, "hv2", "hv3"]), lastNode: pick(["", me])))
                    }
                case .wake(let at):
                    pending.append(.tick(at: at))
                case .writeDomainState:
                    domainStateWrites += 1
                case .note, .writeAutostart, .writeHome, .writeFailedReason, .writeNotHome:
                    break
                }
            }
        }

        mutating func answerWrite(uuid: String, target: String?) {
            if chance(10) { return }  // the answer is lost: only the deadline ends the attempt
            if chance(5) {
                pending.append(.written(uuid: uuid, error: "connection loss"))
                return
            }
            pending.append(.written(uuid: uuid, error: nil))
            let me = FlushPropertyTests.me
            let elsewhere = target ?? "hv2"
            let outcomes: [(VMState?, String)] = [
                (.start, elsewhere), (.start, elsewhere), (.start, me), (.start, "hv3"), (.fail, elsewhere),
                (nil, me), (nil, elsewhere), (.stop, me), (.stop, elsewhere), (.migrate, elsewhere),
                (.shutdown, me), (.disable, elsewhere),
            ]
            for _ in 0..<rng.next(below: 3) {
                let (state, node) = pick(outcomes)
                pending.append(.record(uuid: uuid, state: state, node: node, lastNode: pick(["", me])))
            }
        }
    }

    @Test(arguments: 0..<400)
    func flushAlwaysEnds(seed: Int) {
        run(seed: UInt64(seed), ready: false)
    }

    @Test(arguments: 0..<200)
    func readyAlwaysEnds(seed: Int) {
        run(seed: UInt64(seed) &+ 1_000_000, ready: true)
    }

    /// The random runs reach every kind of end, and retries happen: the properties above are not
    /// checked on runs that only ever succeed at once.
    @Test func runsCoverTheOutcomes() {
        var ends: [FlushStatus: Int] = [:]
        var retried = 0
        for seed in 0..<400 {
            let (status, maxWrites) = run(seed: UInt64(seed), ready: false)
            ends[status, default: 0] += 1
            if maxWrites > 1 { retried += 1 }
        }
        #expect(ends[.finished(.flushed), default: 0] > 20, "\(ends)")
        #expect(ends[.finished(.flushFailed), default: 0] > 20, "\(ends)")
        #expect(ends[.cancelled, default: 0] > 0, "\(ends)")
        #expect(retried > 20)
        var readyEnds: [FlushStatus: Int] = [:]
        for seed in 0..<200 {
            readyEnds[run(seed: UInt64(seed) &+ 1_000_000, ready: true).status, default: 0] += 1
        }
        #expect(readyEnds[.finished(.ready), default: 0] > 100, "\(readyEnds)")
    }

    @discardableResult
    func run(seed: UInt64, ready: Bool) -> (status: FlushStatus, maxWrites: Int) {
        var world = World(seed: seed)
        world.randomNodes()
        let vms = world.randomVMs(ready: ready)
        let settings = FlushSettings(maxParallel: 1 + world.rng.next(below: 4), maxRetries: 1 + world.rng.next(below: 3),
                                     attemptDeadline: 10_000 + world.rng.next(below: 100_000))
        var flush = NodeFlush(node: Self.me, settings: settings, vms: vms)
        var readiness = NodeReady(node: Self.me, settings: settings, vms: vms)
        if world.chance(5) { world.pending.append(.cancel) }
        // Records of the VMs arriving from before anything was written: stale or fresh.
        for vm in vms where world.chance(30) {
            world.pending.append(.record(uuid: vm.uuid, state: world.pick([.start, .stop, nil]),
                                         node: world.pick([Self.me, "hv2"]), lastNode: ""))
        }

        var status: FlushStatus {
            ready ? readiness.status : flush.status
        }
        func step(_ make: (inout NodeFlush, inout NodeReady) -> [FlushDirective]) {
            let over = status.isOver
            let directives = make(&flush, &readiness)
            if over && !directives.isEmpty { world.directivesAfterEnd += directives.count }
            world.absorb(directives, settings: settings, ready: ready)
            let inFlight = ready ? readiness.inFlightCount : flush.inFlightCount
            if inFlight > settings.maxParallel { world.problems.append("\(inFlight) in flight") }
        }

        step { flush, readiness in ready ? readiness.onStart(now: 0) : flush.onStart(now: 0) }
        var steps = 0
        while !world.pending.isEmpty && steps < 10_000 {
            steps += 1
            // Mostly in order, often not.
            let index = world.chance(60) ? 0 : world.rng.next(below: world.pending.count)
            let event = world.pending.remove(at: index)
            world.now += world.rng.next(below: 3000)
            let now = world.now
            switch event {
            case .candidates:
                let nodes = world.nodes
                step { flush, _ in ready ? [] : flush.onCandidates(nodes, clusterSelector: "mem", now: now) }
            case .written(let uuid, let error):
                step { flush, readiness in
                    ready ? readiness.onWritten(uuid: uuid, error: error, now: now)
                        : flush.onWritten(uuid: uuid, error: error, now: now)
                }
            case .record(let uuid, let state, let node, let lastNode):
                step { flush, readiness in
                    ready ? readiness.onRecord(uuid: uuid, state: state, node: node, lastNode: lastNode, now: now)
                        : flush.onRecord(uuid: uuid, state: state, node: node, lastNode: lastNode, now: now)
                }
            case .tick(let at):
                world.now = max(world.now, at)
                let now = world.now
                step { flush, readiness in ready ? readiness.onTick(now: now) : flush.onTick(now: now) }
            case .cancel:
                step { flush, readiness in ready ? readiness.onCancelled(now: now) : flush.onCancelled(now: now) }
            }
        }
        #expect(world.problems.isEmpty, "seed \(seed): \(world.problems)")
        #expect(status.isOver, "seed \(seed): not over after \(steps) steps (\(status))")
        if status != .cancelled {
            #expect(world.domainStateWrites == 1, "seed \(seed): \(world.domainStateWrites) domainstate writes")
        } else {
            #expect(world.domainStateWrites <= 1, "seed \(seed)")
        }
        #expect(world.directivesAfterEnd == 0, "seed \(seed): directives after the end")
        // Every VM settled unless cancelled.
        if case .finished = status {
            let progress = ready ? readiness.vms : flush.vms
            #expect(progress.allSatisfy { $0.outcome != nil }, "seed \(seed)")
        }
        return (status, world.writes.values.max() ?? 0)
    }
}
