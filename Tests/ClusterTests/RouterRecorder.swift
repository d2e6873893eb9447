import Coordination
import Foundation
import Synchronization
import TestSupport
import ZooKeeper

/// Watches every node's `routerstate` and `daemonstate` and `/config/primary_node` from a session
/// of its own, records every change it sees, and checks invariant 1 (never two nodes in
/// `primary`/`takeover` at once) as each change arrives.
///
/// Order: each node is followed by its own watch, so changes of different nodes can arrive out of
/// the order ZooKeeper applied them (a `relinquish` delivered after the successor's `takeover`
/// would look like a violation that never happened). The check therefore replays the changes in
/// the order of their `mzxid` (ZooKeeper's global write order); writes of one transaction share a
/// zxid and count as one moment.
///
/// Coverage: a watch may coalesce changes that come faster than it re-reads (ZooKeeper's watches
/// are one-shot), so a state could go unseen. Every `set` moves the znode's version by one, so the
/// gaps are counted (`unobservedChanges`): zero means every routerstate write was seen.
final class RouterRecorder: Sendable {
    struct Change: Sendable, CustomStringConvertible {
        let node: String
        /// nil: the key is missing.
        let state: String?
        let version: Int32
        /// The node's version jumped by more than one to this change: a write (and the state it
        /// held) went unseen just before it.
        var gapBefore = false
        let mzxid: Int64
        /// Monotonic, from the recorder's start.
        let at: Duration

        var description: String { "\(at) zxid=\(mzxid) \(node)=\(state ?? "-") v\(version)" }
    }

    /// One moment (zxid) at which more than one node held primary or takeover.
    struct Violation: Sendable, CustomStringConvertible {
        let zxid: Int64
        let holders: [String: String]
        var description: String {
            "zxid \(zxid): " + holders.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
        }
    }

    /// The latest value seen of every watched key.
    struct Snapshot: Sendable, CustomStringConvertible {
        var router: [String: String] = [:]
        var daemon: [String: String] = [:]
        /// The daemonstate znode's version: a restarted node has registered (`init`) and reached
        /// `run` again once it is two past the version seen before the restart, whatever the
        /// watch coalesced.
        var daemonVersion: [String: Int32] = [:]
        /// The routerstate znode's version. Each key has a watch of its own, so one node's
        /// daemonstate can arrive ahead of the routerstate written in the same transaction; a
        /// restart counts as seen only when both moved past their versions before it.
        var routerVersion: [String: Int32] = [:]
        /// Nodes whose routerstate watch has made its first read (and so is armed).
        var watching: Set<String> = []
        var primaryNode: String?

        func nodes(inRouterState state: String) -> [String] {
            router.filter { $0.value == state }.map(\.key).sorted()
        }

        /// Exactly one primary, it is `expected` (if given) and one of `among`, the key names it,
        /// nobody in takeover or relinquish, and every node of `running` reached `run`.
        func isSettled(primary expected: String? = nil, among: Set<String>, running: Set<String>) -> Bool {
            let primaries = nodes(inRouterState: "primary")
            guard primaries.count == 1, let primary = primaries.first, among.contains(primary) else { return false }
            if let expected, primary != expected { return false }
            guard primaryNode == primary else { return false }
            guard nodes(inRouterState: "takeover").isEmpty, nodes(inRouterState: "relinquish").isEmpty else { return false }
            // The routerstate too: each key has its own watch, so a node's `run` can arrive
            // before its first routerstate.
            return running.allSatisfy { daemon[$0] == "run" && router[$0] != nil }
        }

        var primary: String? {
            let primaries = nodes(inRouterState: "primary")
            return primaries.count == 1 ? primaries.first : nil
        }

        var description: String {
            let nodes = Set(router.keys).union(daemon.keys).sorted()
            return "primary_node=\(primaryNode ?? "-") "
                + nodes.map { "\($0)=\(router[$0] ?? "-")/\(daemon[$0] ?? "-")" }.joined(separator: " ")
        }
    }

    private struct Waiter {
        let predicate: @Sendable (Snapshot) -> Bool
        let continuation: CheckedContinuation<Snapshot?, Never>
        let timer: Task<Void, Never>
    }

    private struct State {
        var snapshot = Snapshot()
        /// Every routerstate change, sorted by zxid.
        var changes: [Change] = []
        var violations: [Violation] = []
        /// Seen live, in arrival order: includes false alarms from delivery order (see above).
        var arrivalOrderAlarms = 0
        var lastVersion: [String: Int32] = [:]
        var unobservedChanges = 0
        /// Moments that would break invariant 1 only through a state the watch may have missed
        /// the end of; counted, not asserted.
        var uncertainMoments = 0
        var watchedNodes: Set<String> = []
        var waiters: [Int: Waiter] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())
    private let client: ZooKeeperClient
    private let started = ContinuousClock.now
    private let watches = Mutex<[Task<Void, Never>]>([])

    private init(client: ZooKeeperClient) {
        self.client = client
    }

    /// Connects and starts watching `nodes` (their keys need not exist yet: a watch on a missing
    /// node sees its creation) and any other node that registers later; returns once the watches
    /// of `nodes` are armed. Start it before the daemons, so no write goes unseen.
    static func start(hosts: String, chroot: String, nodes: [String]) async throws -> RouterRecorder {
        let client = try await ZooKeeperClient.connect(ClusterChroot.configuration(hosts: hosts, chroot: chroot))
        let recorder = RouterRecorder(client: client)
        for node in nodes { recorder.watch(node: node) }
        guard await recorder.waitUntil(timeout: .seconds(20), { $0.watching.isSuperset(of: nodes) }) else {
            await recorder.stop()
            throw FleetError(description: "the recorder's watches were not armed within 20 s")
        }
        recorder.follow {
            for await value in client.watchData("/config/primary_node") {
                recorder.update { $0.snapshot.primaryNode = value.map { String(decoding: $0.data, as: UTF8.self) } }
            }
        }
        // The persistent children watch re-reads after a reconnection too, so a node registered
        // during an outage is still picked up.
        recorder.follow {
            for await children in client.watchChildren("/nodes") {
                for node in children ?? [] { recorder.watch(node: node) }
            }
        }
        return recorder
    }

    private func follow(_ body: @escaping @Sendable () async -> Void) {
        let task = Task { await body() }
        watches.withLock { $0.append(task) }
    }

    private func watch(node: String) {
        guard state.withLock({ $0.watchedNodes.insert(node).inserted }) else { return }
        follow { [client] in
            for await value in client.watchData("/nodes/\(node)/routerstate") {
                self.record(node: node, value)
            }
        }
        follow { [client] in
            for await value in client.watchData("/nodes/\(node)/daemonstate") {
                self.update {
                    $0.snapshot.daemon[node] = value.map { String(decoding: $0.data, as: UTF8.self) }
                    $0.snapshot.daemonVersion[node] = value?.stat.version
                }
            }
        }
    }

    private func record(node: String, _ value: NodeData?) {
        let text = value.map { String(decoding: $0.data, as: UTF8.self) }
        var change = Change(node: node, state: text, version: value?.stat.version ?? -1,
                            mzxid: value?.stat.mzxid ?? 0, at: ContinuousClock.now - started)
        update { state in
            state.snapshot.router[node] = text
            state.snapshot.watching.insert(node)
            state.snapshot.routerVersion[node] = value?.stat.version
            if let value {
                // Versions start at 0 with the creation; a jump of more than one hides writes.
                let expected = state.lastVersion[node].map { $0 + 1 } ?? 0
                state.unobservedChanges += max(0, Int(value.stat.version - expected))
                change.gapBefore = state.lastVersion[node] != nil && value.stat.version > expected
                state.lastVersion[node] = value.stat.version
            } else {
                state.lastVersion[node] = nil
            }
            if state.snapshot.router.values.filter({ $0 == "primary" || $0 == "takeover" }).count > 1 {
                state.arrivalOrderAlarms += 1
            }
            guard value != nil else { return }  // a deletion has no zxid to place it by
            let index = state.changes.lastIndex { $0.mzxid <= change.mzxid }.map { $0 + 1 } ?? 0
            state.changes.insert(change, at: index)
            (state.violations, state.uncertainMoments) = Self.replay(state.changes)
        }
    }

    /// Invariant 1 over the changes in zxid order: each moment (distinct zxid) after all its
    /// writes are applied. A state whose successor came after a version gap may have ended
    /// earlier, at the unseen write: a moment that needs it to count two holders is uncertain,
    /// not a violation (the watch merged writes; the live arrival-order check still sees it).
    private static func replay(_ changes: [Change]) -> (violations: [Violation], uncertain: Int) {
        var endsUnseen = [Bool](repeating: false, count: changes.count)
        var latest: [String: Int] = [:]
        for (position, change) in changes.enumerated() {
            if change.gapBefore, let previous = latest[change.node] { endsUnseen[previous] = true }
            latest[change.node] = position
        }
        var current: [String: (state: String?, unsure: Bool)] = [:]
        var violations: [Violation] = []
        var uncertain = 0
        var index = 0
        while index < changes.count {
            let zxid = changes[index].mzxid
            while index < changes.count && changes[index].mzxid == zxid {
                current[changes[index].node] = (changes[index].state, endsUnseen[index])
                index += 1
            }
            let holders = current.filter { $0.value.state == "primary" || $0.value.state == "takeover" }
            guard holders.count > 1 else { continue }
            if holders.contains(where: { $0.value.unsure }) {
                uncertain += 1
            } else {
                violations.append(Violation(zxid: zxid, holders: holders.mapValues { $0.state ?? "-" }))
            }
        }
        return (violations, uncertain)
    }

    /// Applies a change and wakes the waiters whose predicate now holds.
    private func update(_ change: (inout State) -> Void) {
        let (ready, snapshot): ([Waiter], Snapshot) = state.withLock { state in
            change(&state)
            let snapshot = state.snapshot
            let keys = state.waiters.filter { $0.value.predicate(snapshot) }.map(\.key)
            return (keys.compactMap { state.waiters.removeValue(forKey: $0) }, snapshot)
        }
        for waiter in ready {
            waiter.timer.cancel()
            waiter.continuation.resume(returning: snapshot)
        }
    }

    /// Waits until `predicate` holds over the latest states, woken by each change; false if it
    /// did not within `timeout`.
    func waitUntil(timeout: Duration, _ predicate: @escaping @Sendable (Snapshot) -> Bool) async -> Bool {
        await waitFor(timeout: timeout, predicate) != nil
    }

    /// As `waitUntil`, returning the snapshot that satisfied `predicate` (later changes may
    /// already have replaced it), nil after `timeout`.
    func waitFor(timeout: Duration, _ predicate: @escaping @Sendable (Snapshot) -> Bool) async -> Snapshot? {
        await withCheckedContinuation { continuation in
            let id = state.withLock { state in
                defer { state.nextWaiter += 1 }
                return state.nextWaiter
            }
            let timer = Task {
                try? await Task.sleep(for: timeout)
                guard !Task.isCancelled else { return }
                self.state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume(returning: nil)
            }
            let holding = state.withLock { state -> Snapshot? in
                if predicate(state.snapshot) { return state.snapshot }
                state.waiters[id] = Waiter(predicate: predicate, continuation: continuation, timer: timer)
                return nil
            }
            if let holding {
                timer.cancel()
                continuation.resume(returning: holding)
            }
        }
    }

    var snapshot: Snapshot { state.withLock { $0.snapshot } }
    var changes: [Change] { state.withLock { $0.changes } }
    var violations: [Violation] { state.withLock { $0.violations } }
    var arrivalOrderAlarms: Int { state.withLock { $0.arrivalOrderAlarms } }
    var unobservedChanges: Int { state.withLock { $0.unobservedChanges } }

    /// Monotonic time since the recorder started, on the clock the changes are stamped with.
    var now: Duration { ContinuousClock.now - started }

    /// One line for the test's output.
    var summary: String {
        state.withLock { state in
            "router changes seen: \(state.changes.count), unobserved (version gaps): \(state.unobservedChanges), "
                + "uncertain moments: \(state.uncertainMoments), "
                + "invariant-1 violations: \(state.violations.count), arrival-order alarms: \(state.arrivalOrderAlarms)"
        }
    }

    func stop() async {
        for task in watches.withLock({ $0 }) { task.cancel() }
        await client.close()
        let waiters = state.withLock { state in
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters {
            waiter.timer.cancel()
            waiter.continuation.resume(returning: nil)
        }
    }
}
