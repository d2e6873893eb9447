import ClusterReads
import ClusterSchema
import Coordination
import Logging
import NodeCore

/// What `NodeFlush` and `NodeReady` share: the events a `DomainStateRun` feeds either.
protocol DomainStateCore: Sendable {
    var status: FlushStatus { get }
    mutating func onStart(now: Int) -> [FlushDirective]
    mutating func onCandidates(_ candidates: [CandidateNode], clusterSelector: String?, now: Int) -> [FlushDirective]
    mutating func onWritten(uuid: String, error: String?, now: Int) -> [FlushDirective]
    mutating func onRecord(uuid: String, state: VMState?, node: String, lastNode: String, now: Int) -> [FlushDirective]
    mutating func onTick(now: Int) -> [FlushDirective]
    mutating func onCancelled(now: Int) -> [FlushDirective]
}

extension NodeFlush: DomainStateCore {}

extension NodeReady: DomainStateCore {
    /// A ready chooses no targets: it brings VMs to this node.
    func onCandidates(_ candidates: [CandidateNode], clusterSelector: String?, now: Int) -> [FlushDirective] { [] }
}

/// One flush or ready of this node, carried out: the VMs' state keys watched, the core's writes
/// made, its wake-ups kept, until it writes the node's final domainstate. Cancelling the task
/// (a newer flush or ready) stops it between two events; migrations already asked for go on
/// under their VMs' own queues, and nothing waits for an acknowledgement that may never come
/// (PVC's flush_event wedge).
struct DomainStateRun<Core: DomainStateCore>: Sendable {
    enum Event: Sendable {
        case record(uuid: String, state: VMState?, node: String, lastNode: String)
        case written(uuid: String, error: String?)
        case candidates([CandidateNode], clusterSelector: String?)
        case tick
    }

    var node: String
    var store: any CoordinationStore
    var schema: SchemaVersion
    var time: MonotonicTime
    var logger: Logger

    /// Watches every VM's state key, reads the VMs once every watch is set (so no change falls
    /// between the read and the watch), builds the core from them and runs it to its end or
    /// until the task is cancelled.
    func run(_ makeCore: @Sendable ([FlushVM]) -> Core) async {
        let uuids: [String]
        do {
            uuids = try await store.items(try schema.path("base.domain"))
        } catch {
            logger.error("could not list the VMs; the node's domain state stays as it is until it is asked again",
                         metadata: ["error": "\(error)"])
            return
        }
        let (events, continuation) = AsyncStream.makeStream(of: Event.self)
        let (primes, primed) = AsyncStream.makeStream(of: Void.self)
        await withTaskGroup(of: Void.self) { group in
            for uuid in uuids {
                guard let paths = try? VMPaths(schema: schema, uuid: uuid) else { continue }
                group.addTask {
                    var first = true
                    for await _ in store.watchData(paths.state) {
                        // The first value precedes the snapshot the core is built from.
                        if first {
                            first = false
                            primed.yield()
                            continue
                        }
                        // A read that fails costs this change; the core's deadline covers it.
                        if let record = await readRecord(paths) {
                            continuation.yield(.record(uuid: uuid, state: record.state, node: record.node,
                                                       lastNode: record.lastNode))
                        }
                    }
                }
            }
            // Bounded: a watch that never reports costs that VM its changes (an attempt deadline),
            // never the whole run.
            _ = await withDeadline(.seconds(10)) {
                var count = 0
                for await _ in primes {
                    count += 1
                    if count >= uuids.count { return }
                }
            }
            var core = makeCore(await snapshot(uuids))
            var wakes: [Task<Void, Never>] = []
            defer { for wake in wakes { wake.cancel() } }
            var iterator = events.makeAsyncIterator()
            var pending = core.onStart(now: time.now)
            while true {
                for directive in pending {
                    if let wake = await perform(directive, continuation: continuation) { wakes.append(wake) }
                }
                pending = []
                if core.status.isOver { break }
                guard let event = await iterator.next(), !Task.isCancelled else {
                    for directive in core.onCancelled(now: time.now) {
                        if case .note(let text) = directive { logger.notice("\(text)") }
                    }
                    break
                }
                let now = time.now
                switch event {
                case .record(let uuid, let state, let vmNode, let lastNode):
                    pending = core.onRecord(uuid: uuid, state: state, node: vmNode, lastNode: lastNode, now: now)
                case .written(let uuid, let error):
                    pending = core.onWritten(uuid: uuid, error: error, now: now)
                case .candidates(let candidates, let clusterSelector):
                    pending = core.onCandidates(candidates, clusterSelector: clusterSelector, now: now)
                case .tick:
                    pending = core.onTick(now: now)
                }
            }
            continuation.finish()
            primed.finish()
            group.cancelAll()
        }
    }

    /// Every VM's keys as a flush or ready sees them; a VM whose keys cannot be read is left out
    /// (and said so): deciding on a guess is worse than leaving it where it is.
    private func snapshot(_ uuids: [String]) async -> [FlushVM] {
        await withTaskGroup(of: FlushVM?.self) { group in
            for uuid in uuids {
                group.addTask {
                    do {
                        let paths = try VMPaths(schema: schema, uuid: uuid)
                        async let name = store.text(paths.root)
                        async let stateText = store.text(paths.state)
                        async let nodeText = store.text(paths.node)
                        async let lastNodeText = store.text(paths.lastNode)
                        async let autostart = store.text(paths.autostart)
                        async let limit = store.text(paths.nodeLimit)
                        async let selector = store.text(paths.nodeSelector)
                        async let xml = store.text(paths.xml)
                        let (vmName, vmState, vmNode, vmLastNode, autostartText, limitText, selectorText, xmlText) =
                            try await (name, stateText, nodeText, lastNodeText, autostart, limit, selector, xml)
                        return FlushVM(
                            uuid: uuid, name: vmName ?? uuid, state: vmState.flatMap(VMState.init(rawValue:)),
                            node: vmNode ?? "", lastNode: vmLastNode ?? "", autostart: FlushVM.autostart(fromText: autostartText),
                            memoryMiB: xmlText.flatMap(DomainXML.memoryMiB) ?? 0, vcpus: xmlText.flatMap(DomainXML.vcpus) ?? 0,
                            nodeLimit: limitText, nodeSelector: selectorText)
                    } catch {
                        logger.warning("could not read a VM's keys; leaving it out", metadata: [
                            "vm": "\(uuid)", "error": "\(error)"])
                        return nil
                    }
                }
            }
            var vms: [FlushVM] = []
            for await vm in group { if let vm { vms.append(vm) } }
            return vms
        }
    }

    private func perform(_ directive: FlushDirective,
                         continuation: AsyncStream<Event>.Continuation) async -> Task<Void, Never>? {
        switch directive {
        case .note(let text):
            logger.info("\(text)")
        case .readRecord(let uuid):
            // A fresh read after a confirmed write: a watch read that landed before the write was
            // confirmed was dropped by the core as possibly stale.
            if let paths = try? VMPaths(schema: schema, uuid: uuid), let record = await readRecord(paths) {
                continuation.yield(.record(uuid: uuid, state: record.state, node: record.node, lastNode: record.lastNode))
            }
        case .readCandidates:
            let read = await readCandidates()
            continuation.yield(.candidates(read.candidates, clusterSelector: read.clusterSelector))
        case .writeMigration(let uuid, let state, let target, let lastNode):
            let error = await write(uuid, "migration") { paths in
                [set(paths.state, state.rawValue), set(paths.node, target), set(paths.lastNode, lastNode)]
            }
            continuation.yield(.written(uuid: uuid, error: error))
        case .writeShutdown(let uuid):
            let error = await write(uuid, "shutdown") { paths in
                [set(paths.state, VMState.shutdown.rawValue), set(paths.autostart, "True")]
            }
            continuation.yield(.written(uuid: uuid, error: error))
        case .writeAutostart(let uuid, let home):
            _ = await write(uuid, "autostart") { paths in
                [set(paths.state, VMState.start.rawValue), set(paths.node, home), set(paths.lastNode, ""),
                 set(paths.autostart, "False")]
            }
        case .writeHome(let uuid, let home):
            _ = await write(uuid, "home") { paths in [set(paths.node, home), set(paths.lastNode, "")] }
        case .writeFailedReason(let uuid, let reason):
            _ = await write(uuid, "failedreason") { paths in [set(paths.failedReason, reason)] }
        case .writeNotHome(let uuid, let lastNode, let reason):
            _ = await write(uuid, "not home") { paths in
                [set(paths.failedReason, reason), set(paths.lastNode, lastNode)]
            }
        case .wake(let at):
            let instant = time.instant(at: at)
            return Task {
                try? await Task.sleep(until: instant, clock: .continuous)
                if !Task.isCancelled { continuation.yield(.tick) }
            }
        case .writeDomainState(let state, let clearRunningDomains):
            do {
                let paths = try NodePaths(schema: schema, node: node)
                var operations = [set(paths.domainState, state.rawValue)]
                if clearRunningDomains { operations.append(set(paths.runningDomains, "")) }
                _ = try await store.multi(operations)
                logger.notice("domain state \(state.rawValue)")
            } catch {
                logger.error("could not write the node's domain state", metadata: [
                    "state": "\(state.rawValue)", "error": "\(error)"])
            }
        }
        return nil
    }

    /// One transaction on a VM's keys; the error's text when it failed.
    private func write(_ uuid: String, _ what: String,
                       _ operations: (VMPaths) -> [Operation]) async -> String? {
        do {
            let paths = try VMPaths(schema: schema, uuid: uuid)
            _ = try await store.multi(operations(paths))
            return nil
        } catch {
            logger.error("write failed", metadata: ["vm": "\(uuid)", "write": "\(what)", "error": "\(error)"])
            return "\(error)"
        }
    }

    private func set(_ path: String, _ value: String) -> Operation {
        .set(path, data: Array(value.utf8))
    }

    /// The keys a flush or ready follows; nil (logged) when they cannot be read now.
    private func readRecord(_ paths: VMPaths) async -> (state: VMState?, node: String, lastNode: String)? {
        do {
            async let state = store.text(paths.state)
            async let vmNode = store.text(paths.node)
            async let lastNode = store.text(paths.lastNode)
            let (stateText, nodeText, lastNodeText) = try await (state, vmNode, lastNode)
            return (stateText.flatMap(VMState.init(rawValue:)), nodeText ?? "", lastNodeText ?? "")
        } catch {
            logger.warning("could not read a VM's keys", metadata: ["key": "\(paths.state)", "error": "\(error)"])
            return nil
        }
    }

    /// Every node's figures and the cluster's selector, fresh; an unreadable node is left out
    /// (it cannot be judged a fit target).
    private func readCandidates() async -> (candidates: [CandidateNode], clusterSelector: String?) {
        do {
            return try await CandidateReader(store: store, schema: schema).read()
        } catch {
            logger.warning("could not read the nodes for target selection", metadata: ["error": "\(error)"])
            return ([], nil)
        }
    }
}
