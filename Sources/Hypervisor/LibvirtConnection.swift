import CLibvirt
import DedicatedThreads

/// One open `virConnectPtr` with its event registrations.
///
/// Each call on a dedicated thread holds a strong reference to this object, so a call that
/// outlives its timeout still has a valid handle: the connection is closed only when the last
/// holder lets go, and then on a thread of its own (closing a remote connection is an RPC).
final class LibvirtConnection: @unchecked Sendable {
    // @unchecked: virConnectPtr is thread-safe in libvirt; the stored properties are immutable.
    let pointer: OpaquePointer
    let uri: String
    let health: ConnectionHealth
    private let eventCallbackIDs: [Int32]
    private let hasCloseCallback: Bool

    private init(pointer: OpaquePointer, uri: String, health: ConnectionHealth, eventCallbackIDs: [Int32], hasCloseCallback: Bool) {
        self.pointer = pointer
        self.uri = uri
        self.health = health
        self.eventCallbackIDs = eventCallbackIDs
        self.hasCloseCallback = hasCloseCallback
    }

    /// Blocks: only on a dedicated thread. The event loop must already be registered.
    static func open(uri: String, hub: EventHub, keepAlive: KeepAlive) -> Result<LibvirtConnection, HypervisorError> {
        virResetLastError()
        guard let pointer = virConnectOpen(uri) else { return .failure(.last("virConnectOpen")) }

        // Local drivers (test:///) have no keepalive: that is fine, there is no peer to lose.
        if virConnectSetKeepAlive(pointer, keepAlive.intervalSeconds, keepAlive.count) < 0 {
            let error = HypervisorError.last("virConnectSetKeepAlive")
            if error.libvirtCode != Int32(VIR_ERR_NO_SUPPORT.rawValue) && error.libvirtCode != Int32(VIR_ERR_OPERATION_UNSUPPORTED.rawValue) {
                virConnectClose(pointer)
                return .failure(error)
            }
            virResetLastError()
        }

        let health = ConnectionHealth()
        let healthOpaque = Unmanaged.passRetained(health).toOpaque()
        let hasCloseCallback = virConnectRegisterCloseCallback(
            pointer, connectionClosedCallback, healthOpaque, releaseConnectionHealth) == 0
        if !hasCloseCallback {
            // libvirt did not take the reference; failures to register only cost the early
            // notice, since every call also checks virConnectIsAlive.
            Unmanaged<ConnectionHealth>.fromOpaque(healthOpaque).release()
            virResetLastError()
        }

        var ids: [Int32] = []
        let registrations: [(id: UInt32, callback: virConnectDomainEventGenericCallback, required: Bool)] = [
            (VIR_DOMAIN_EVENT_ID_LIFECYCLE.rawValue, cvirt_lifecycle_callback(lifecycleEventCallback), true),
            // Only for libvirt's own migration timing: without it migrate reports its call time.
            (VIR_DOMAIN_EVENT_ID_JOB_COMPLETED.rawValue,
             unsafeBitCast(jobCompletedEventCallback, to: virConnectDomainEventGenericCallback.self), false),
        ]
        for registration in registrations {
            let hubOpaque = Unmanaged.passRetained(hub).toOpaque()
            let id = virConnectDomainEventRegisterAny(
                pointer, nil, Int32(registration.id), registration.callback, hubOpaque, releaseEventHub)
            if id >= 0 {
                ids.append(id)
                continue
            }
            let error = HypervisorError.last("virConnectDomainEventRegisterAny")
            Unmanaged<EventHub>.fromOpaque(hubOpaque).release()
            if registration.required {
                Handle(pointer: pointer, eventCallbackIDs: ids, hasCloseCallback: hasCloseCallback).release()
                return .failure(error)
            }
            virResetLastError()
        }
        return .success(LibvirtConnection(
            pointer: pointer, uri: uri, health: health, eventCallbackIDs: ids, hasCloseCallback: hasCloseCallback))
    }

    /// Still usable: libvirt has not closed it and no call found it dead. A local check, no RPC,
    /// but still a libvirt call: only on a dedicated thread.
    var isAlive: Bool { health.isAlive && virConnectIsAlive(pointer) == 1 }

    deinit {
        let handle = Handle(pointer: pointer, eventCallbackIDs: eventCallbackIDs, hasCloseCallback: hasCloseCallback)
        Task.detached {
            await DedicatedThread.run { handle.release() }
        }
    }

    /// What closing needs, detached from the object being deinitialised.
    private struct Handle: @unchecked Sendable {
        // @unchecked: only used once, by the thread that closes the connection.
        let pointer: OpaquePointer
        let eventCallbackIDs: [Int32]
        let hasCloseCallback: Bool

        func release() {
            for id in eventCallbackIDs { _ = virConnectDomainEventDeregisterAny(pointer, id) }
            if hasCloseCallback { _ = virConnectUnregisterCloseCallback(pointer, connectionClosedCallback) }
            _ = virConnectClose(pointer)
        }
    }
}
