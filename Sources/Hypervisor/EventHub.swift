import CLibvirt
import Synchronization

/// Where libvirt's event callbacks (on the event-loop thread) hand events to Swift: lifecycle
/// events fan out to every subscribed stream; job-completed events are kept for a migration
/// that is waiting for libvirt's own timing.
///
/// One hub lives as long as its hypervisor and survives reconnects: every new connection
/// registers its callbacks with it again, so subscribers keep their streams.
final class EventHub: Sendable {
    private struct Subscribers {
        var nextID = 0
        var continuations: [Int: AsyncStream<LifecycleEvent>.Continuation] = [:]
        var finished = false
    }

    private enum JobSlot {
        case armed
        case completed(TypedParameters)
        case waiting(CheckedContinuation<TypedParameters?, Never>)
    }

    private let subscribers = Mutex(Subscribers())
    private struct Jobs {
        var nextTicket = 0
        var slots: [String: (ticket: Int, slot: JobSlot)] = [:]
    }

    private let jobs = Mutex(Jobs())

    func subscribe() -> AsyncStream<LifecycleEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: LifecycleEvent.self)
        let id: Int? = subscribers.withLock { state in
            guard !state.finished else { return nil }
            let id = state.nextID
            state.nextID += 1
            state.continuations[id] = continuation
            return id
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.continuations.removeValue(forKey: id) }
        }
        return stream
    }

    func publish(_ event: LifecycleEvent) {
        let targets = subscribers.withLock { Array($0.continuations.values) }
        for continuation in targets { continuation.yield(event) }
    }

    /// Ends every stream, and refuses new subscribers: the hypervisor was closed.
    func finish() {
        let targets = subscribers.withLock { state -> [AsyncStream<LifecycleEvent>.Continuation] in
            state.finished = true
            defer { state.continuations = [:] }
            return Array(state.continuations.values)
        }
        for continuation in targets { continuation.finish() }
    }

    /// From now on a job-completed event for `uuid` is kept until `awaitJobCompletion`. The
    /// returned ticket keeps a late timer of an earlier migration of the same domain from
    /// disarming this one.
    func armJobCompletion(_ uuid: String) -> Int {
        jobs.withLock { state in
            state.nextTicket += 1
            state.slots[uuid] = (state.nextTicket, .armed)
            return state.nextTicket
        }
    }

    func disarmJobCompletion(_ uuid: String, ticket: Int) {
        let waiter: CheckedContinuation<TypedParameters?, Never>? = jobs.withLock { state in
            guard let entry = state.slots[uuid], entry.ticket == ticket else { return nil }
            state.slots[uuid] = nil
            if case .waiting(let continuation) = entry.slot { return continuation }
            return nil
        }
        waiter?.resume(returning: nil)
    }

    func deliverJobCompletion(_ uuid: String, _ parameters: TypedParameters) {
        let waiter: CheckedContinuation<TypedParameters?, Never>? = jobs.withLock { state in
            guard let entry = state.slots[uuid] else { return nil }
            switch entry.slot {
            case .armed:
                state.slots[uuid] = (entry.ticket, .completed(parameters))
                return nil
            case .waiting(let continuation):
                state.slots[uuid] = nil
                return continuation
            case .completed:
                return nil
            }
        }
        waiter?.resume(returning: parameters)
    }

    /// The job-completed event for `uuid`, if it came or comes within `limit`.
    func awaitJobCompletion(_ uuid: String, ticket: Int, within limit: Duration) async -> TypedParameters? {
        await withCheckedContinuation { (continuation: CheckedContinuation<TypedParameters?, Never>) in
            let immediate: TypedParameters?? = jobs.withLock { state in
                guard let entry = state.slots[uuid], entry.ticket == ticket else { return .some(nil) }
                switch entry.slot {
                case .completed(let parameters):
                    state.slots[uuid] = nil
                    return .some(parameters)
                case .armed:
                    state.slots[uuid] = (ticket, .waiting(continuation))
                    return .none
                case .waiting:
                    return .some(nil)
                }
            }
            if let immediate {
                continuation.resume(returning: immediate)
                return
            }
            Task { [weak self] in
                try? await Task.sleep(for: limit)
                self?.disarmJobCompletion(uuid, ticket: ticket)
            }
        }
    }
}

/// Whether a connection is still usable, as libvirt's close callback last said.
final class ConnectionHealth: Sendable {
    private let alive = Atomic<Bool>(true)
    var isAlive: Bool { alive.load(ordering: .acquiring) }
    func markDead() { alive.store(false, ordering: .releasing) }
}

// The C callbacks. They run on libvirt's event-loop thread and only copy data out and hand it
// to the hub; `opaque` is a +1 reference that the matching free callback gives back.

let lifecycleEventCallback: virConnectDomainEventCallback = { _, domain, event, detail, opaque in
    guard let opaque, let domain else { return 0 }
    let hub = Unmanaged<EventHub>.fromOpaque(opaque).takeUnretainedValue()
    hub.publish(LifecycleEvent(
        uuid: domainUUIDString(domain) ?? "", name: virDomainGetName(domain).map { String(cString: $0) } ?? "",
        kind: LifecycleEvent.Kind(libvirt: event), detail: detail))
    return 0
}

let jobCompletedEventCallback: virConnectDomainEventJobCompletedCallback = { _, domain, parameters, count, opaque in
    guard let opaque, let domain, let uuid = domainUUIDString(domain) else { return }
    let hub = Unmanaged<EventHub>.fromOpaque(opaque).takeUnretainedValue()
    hub.deliverJobCompletion(uuid, TypedParameters(parameters, count: count))
}

let releaseEventHub: virFreeCallback = { opaque in
    guard let opaque else { return }
    Unmanaged<EventHub>.fromOpaque(opaque).release()
}

let connectionClosedCallback: virConnectCloseFunc = { _, _, opaque in
    guard let opaque else { return }
    Unmanaged<ConnectionHealth>.fromOpaque(opaque).takeUnretainedValue().markDead()
}

let releaseConnectionHealth: virFreeCallback = { opaque in
    guard let opaque else { return }
    Unmanaged<ConnectionHealth>.fromOpaque(opaque).release()
}

/// The domain's UUID in canonical lower-case form; a local call, no RPC.
func domainUUIDString(_ domain: OpaquePointer) -> String? {
    var buffer = [CChar](repeating: 0, count: Int(VIR_UUID_STRING_BUFLEN))
    guard virDomainGetUUIDString(domain, &buffer) == 0 else { return nil }
    return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
