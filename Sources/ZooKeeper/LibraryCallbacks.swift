import Coordination
import CZooKeeper

// The C library calls these on its completion thread. They only copy results out of the library's
// buffers and hand them over; they never block, never call back into the library, and never close
// a handle (a close from the completion thread would join itself).

extension Coordination.Stat {
    init(_ c: CZooKeeper.Stat) {
        self.init(czxid: c.czxid, mzxid: c.mzxid, pzxid: c.pzxid, ctime: c.ctime, mtime: c.mtime,
                  version: c.version, cversion: c.cversion, aversion: c.aversion,
                  ephemeralOwner: c.ephemeralOwner, dataLength: c.dataLength, numChildren: c.numChildren)
    }
}

private func deliver(_ data: UnsafeRawPointer?, _ reply: Reply) {
    InFlightTable.take(UInt64(context: data))?.settle(.success(reply))
}

let voidCompletion: void_completion_t = { rc, data in
    deliver(data, Reply(rc: rc, payload: .none))
}

let stringCompletion: string_completion_t = { rc, value, data in
    deliver(data, Reply(rc: rc, payload: value.map { .string(String(cString: $0)) } ?? .none))
}

let statCompletion: stat_completion_t = { rc, stat, data in
    deliver(data, Reply(rc: rc, payload: .stat(stat.map { Coordination.Stat($0.pointee) })))
}

let dataCompletion: data_completion_t = { rc, value, length, stat, data in
    guard rc == ZOK.rawValue, let stat else {
        deliver(data, Reply(rc: rc, payload: .none))
        return
    }
    var bytes: [UInt8] = []
    if let value, length > 0 {
        bytes = value.withMemoryRebound(to: UInt8.self, capacity: Int(length)) {
            Array(UnsafeBufferPointer(start: $0, count: Int(length)))
        }
    }
    deliver(data, Reply(rc: rc, payload: .data(bytes, Coordination.Stat(stat.pointee))))
}

let stringsCompletion: strings_completion_t = { rc, strings, data in
    var names: [String] = []
    if rc == ZOK.rawValue, let strings, let items = strings.pointee.data {
        names.reserveCapacity(Int(strings.pointee.count))
        for index in 0..<Int(strings.pointee.count) {
            if let item = items[index] { names.append(String(cString: item)) }
        }
    }
    deliver(data, Reply(rc: rc, payload: .strings(names)))
}

/// Per-call watches. Session events reach every armed watcher too (swift-interop §3.4): all but
/// expiry are ignored here, because the library re-arms watches on the server after a reconnect.
let watchCallback: watcher_fn = { _, type, state, path, context in
    let token = UInt64(context: context)
    if type == ZOO_SESSION_EVENT {
        guard state == ZOO_EXPIRED_SESSION_STATE || state == ZOO_AUTH_FAILED_STATE else { return }
        InFlightTable.takeWatch(token)?.signal.fail(CoordinationError(.sessionExpired))
        return
    }
    guard let watch = InFlightTable.takeWatch(token) else { return }
    let kind: WatchEvent.Kind
    switch type {
    case ZOO_CREATED_EVENT: kind = .created
    case ZOO_DELETED_EVENT: kind = .deleted
    case ZOO_CHANGED_EVENT: kind = .dataChanged
    case ZOO_CHILD_EVENT: kind = .childrenChanged
    default:
        ZooKeeperClient.diagnostics.warning("ZooKeeper removed a watch without an event",
                                            metadata: ["path": "\(watch.path)", "event": "\(type)"])
        watch.signal.fail(CoordinationError(.other(type), path: watch.path, detail: "watch removed by the server"))
        return
    }
    watch.signal.fire(WatchEvent(kind, path: watch.path))
}

/// The handle's default watcher: connection state changes, routed by the client's token.
let sessionCallback: watcher_fn = { zh, type, state, _, context in
    guard type == ZOO_SESSION_EVENT else { return }
    // The handle is valid inside its own callback: read the session's identity here, so that no
    // one needs the handle for it later, when it may already be closed.
    if state == ZOO_CONNECTED_STATE, let zh, let session = zoo_client_id(zh)?.pointee {
        let identity = SessionIdentity(session: session, timeout: .milliseconds(Int64(zoo_recv_timeout(zh))))
        SessionRegistry.record(identity, for: UInt64(context: context))
    }
    let library: LibraryConnectionState
    switch state {
    case ZOO_CONNECTED_STATE: library = .connected
    case ZOO_CONNECTING_STATE, ZOO_ASSOCIATING_STATE: library = .connecting
    case ZOO_EXPIRED_SESSION_STATE: library = .expired
    case ZOO_AUTH_FAILED_STATE: library = .authFailed
    default: library = .other(state)
    }
    SessionRegistry.deliver(library, to: UInt64(context: context))
}
