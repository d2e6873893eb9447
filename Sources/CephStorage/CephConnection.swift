import CCephLoader
import DedicatedThreads
import Glibc

/// One librados session (a `rados_t`) for the node's storage duties: listing and breaking RBD
/// locks, blocklisting a fenced node, watchers, monitor commands and pool figures.
///
/// Every call runs on a dedicated thread (librados calls block, and the cooperative pool has two
/// threads) under Ceph's own timeouts plus an outer bound of ours, so no caller waits forever
/// even if librados misbehaves. Images are opened per call and always closed again: a node holds
/// no image open between calls, so it never shows up as a watcher or blocks another's lock.
public final class CephConnection: Sendable {
    public let settings: CephClientSettings
    private let handle: RadosHandle

    /// What our own bound adds to Ceph's timeout before we give up on a call.
    static let margin: Duration = .seconds(2)

    private init(settings: CephClientSettings, handle: RadosHandle) {
        self.settings = settings
        self.handle = handle
    }

    deinit {
        if handle.close() { handle.shutdown() }
    }

    /// Creates the handle, applies the settings and connects; bounded by `mountTimeout` plus a
    /// margin. A handle that failed (or connected after we gave up) is shut down, never leaked.
    public static func connect(_ settings: CephClientSettings) async throws(CephError) -> CephConnection {
        let bound = settings.mountTimeout + margin
        let outcome = await DedicatedThread.run(
            timeout: bound, { () -> Result<RawHandle, CephError> in openCluster(settings) },
            late: { result in
                if case .success(let raw) = result { pvc_rados_shutdown(raw.pointer) }
            })
        guard let outcome else { throw CephError.timedOut("rados_connect", monitorsText(settings), after: bound) }
        let raw = try outcome.get()
        return CephConnection(settings: settings, handle: RadosHandle(raw.pointer))
    }

    /// Runs on a dedicated thread: every step until `rados_connect` returns.
    private static func openCluster(_ settings: CephClientSettings) -> Result<RawHandle, CephError> {
        // The libraries are opened here, at the first connection, not when the daemon starts.
        var reason = [CChar](repeating: 0, count: 512)
        guard pvc_ceph_load(&reason, reason.count) == 0 else {
            let text = String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return .failure(CephError(operation: "dlopen", target: "librados.so.2, librbd.so.1", code: -ELIBACC,
                                      message: "\(text) (the librados2 and librbd1 packages)"))
        }
        var created: rados_t?
        var rc = pvc_rados_create2(&created, "ceph", settings.clientName, 0)
        guard rc == 0, let cluster = created else {
            return .failure(CephError(operation: "rados_create2", target: settings.clientName, code: rc == 0 ? -EINVAL : rc))
        }
        func fail(_ operation: String, _ target: String, _ code: Int32) -> Result<RawHandle, CephError> {
            pvc_rados_shutdown(cluster)
            return .failure(CephError(operation: operation, target: target, code: code))
        }
        if let file = settings.configFile {
            rc = pvc_rados_conf_read_file(cluster, file)
            if rc != 0 { return fail("rados_conf_read_file", file, rc) }
        }
        var options: [(String, String)] = []
        if let keyring = settings.keyringFile { options.append(("keyring", keyring)) }
        if !settings.monitorHosts.isEmpty { options.append(("mon_host", settings.monitorHosts.joined(separator: ","))) }
        options.append(("client_mount_timeout", secondsText(settings.mountTimeout)))
        options.append(("rados_mon_op_timeout", secondsText(settings.monitorTimeout)))
        options.append(("rados_osd_op_timeout", secondsText(settings.osdTimeout)))
        // librbd's break_lock otherwise blocklists the holder itself and waits for the new OSD map
        // (~200 ms a lock, measured): the caller decides, with `blocklist`, whom to fence.
        options.append(("rbd_blocklist_on_break_lock", "false"))
        options += settings.options.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        for (key, value) in options {
            rc = pvc_rados_conf_set(cluster, key, value)
            if rc != 0 { return fail("rados_conf_set", "\(key)=\(value)", rc) }
        }
        rc = pvc_rados_connect(cluster)
        if rc != 0 { return fail("rados_connect", monitorsText(settings), rc) }
        return .success(RawHandle(pointer: cluster))
    }

    /// Ceph's time options take whole seconds; round up so a sub-second setting never means 0
    /// ("forever" for the op timeouts).
    static func secondsText(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let whole = max(1, seconds + (attoseconds > 0 ? 1 : 0))
        return String(whole)
    }

    private static func monitorsText(_ settings: CephClientSettings) -> String {
        settings.monitorHosts.isEmpty ? (settings.configFile ?? "") : settings.monitorHosts.joined(separator: ",")
    }

    // MARK: - Calls

    /// This session's own address as the cluster knows it, e.g. `127.0.0.1:0/3131460718`: what
    /// another node would have to blocklist to fence this one.
    public var clientAddress: String {
        get async throws(CephError) {
            try await call("rados_getaddrs", "", bound: Self.margin) { cluster in
                var text: UnsafeMutablePointer<CChar>?
                let rc = pvc_rados_getaddrs(cluster, &text)
                guard rc == 0, let text else {
                    return .failure(CephError(operation: "rados_getaddrs", code: rc == 0 ? -EINVAL : rc))
                }
                defer { free(text) }
                return .success(String(cString: text))
            }
        }
    }

    /// The advisory locks on `image` (`rbd lock ls`).
    public func lockers(of image: RBDImage) async throws(CephError) -> RBDLocks {
        try await withImage(image, "rbd_list_lockers", readOnly: true) { rbd in
            var tagLength = 0, clientsLength = 0, cookiesLength = 0, addressesLength = 0
            // The first call with empty buffers reports the lengths; the lock list may grow
            // between calls, so retry on -ERANGE with the lengths it reports (bounded).
            for _ in 0..<8 {
                var exclusive: Int32 = 0
                var tag = [CChar](repeating: 0, count: max(tagLength, 1))
                var clients = [CChar](repeating: 0, count: max(clientsLength, 1))
                var cookies = [CChar](repeating: 0, count: max(cookiesLength, 1))
                var addresses = [CChar](repeating: 0, count: max(addressesLength, 1))
                tagLength = tag.count
                clientsLength = clients.count
                cookiesLength = cookies.count
                addressesLength = addresses.count
                let count = pvc_rbd_list_lockers(
                    rbd, &exclusive, &tag, &tagLength, &clients, &clientsLength, &cookies, &cookiesLength,
                    &addresses, &addressesLength)
                if count == -Int(ERANGE) { continue }
                if count < 0 {
                    return .failure(CephError(operation: "rbd_list_lockers", target: image.description, code: Int32(count)))
                }
                let clientList = Self.strings(clients, count: count)
                let cookieList = Self.strings(cookies, count: count)
                let addressList = Self.strings(addresses, count: count)
                guard clientList.count == count, cookieList.count == count, addressList.count == count else {
                    return .failure(CephError(
                        operation: "rbd_list_lockers", target: image.description, code: -EINVAL,
                        message: "librbd returned \(count) lockers but malformed lists"))
                }
                let lockers = (0..<count).map {
                    RBDLocker(client: clientList[$0], cookie: cookieList[$0], address: addressList[$0])
                }
                return .success(RBDLocks(
                    exclusive: exclusive != 0, tag: Self.strings(tag, count: 1).first ?? "", lockers: lockers))
            }
            return .failure(CephError(
                operation: "rbd_list_lockers", target: image.description, code: -ERANGE,
                message: "the lock list kept changing size"))
        }
    }

    /// Removes `locker`'s lock (`rbd lock rm`), without blocklisting its holder as librbd would by
    /// default: a fencer blocklists first with `blocklist`, a node freeing its own stale lock has
    /// nobody to fence. ENOENT when that lock is no longer there.
    public func breakLock(on image: RBDImage, _ locker: RBDLocker) async throws(CephError) {
        // Read-only suffices (verified on 16.2.15: the lock goes, a second break gets ENOENT), and a
        // read-only open registers no header watch, so the fencer never shows up as a watcher.
        try await withImage(image, "rbd_break_lock", readOnly: true) { (rbd) -> Result<Void, CephError> in
            let rc = pvc_rbd_break_lock(rbd, locker.client, locker.cookie)
            guard rc == 0 else {
                return .failure(CephError(operation: "rbd_break_lock", target: image.description, code: rc))
            }
            return .success(())
        }
    }

    /// Tells every OSD to refuse `address` (`ceph osd blocklist add`) for `expiry`: the storage
    /// half of fencing, which also cuts off writers that still run.
    public func blocklist(address: String, for expiry: Duration) async throws(CephError) {
        let seconds = UInt32(clamping: max(1, expiry.components.seconds))
        try await call("rados_blocklist_add", address, bound: settings.monitorTimeout + settings.osdTimeout + Self.margin) {
            (cluster) -> Result<Void, CephError> in
            var text = Array(address.utf8CString)
            let rc = text.withUnsafeMutableBufferPointer { buffer -> Int32 in
                guard let base = buffer.baseAddress else { return -EINVAL }
                return pvc_rados_blocklist_add(cluster, base, seconds)
            }
            guard rc == 0 else { return .failure(CephError(operation: "rados_blocklist_add", target: address, code: rc)) }
            return .success(())
        }
    }

    /// The clients watching `image` (`rbd status`): who still has it open.
    public func watchers(of image: RBDImage) async throws(CephError) -> [RBDWatcher] {
        try await withImage(image, "rbd_watchers_list", readOnly: true) { rbd in
            var capacity = 8
            for _ in 0..<8 {
                var list = [rbd_image_watcher_t](repeating: rbd_image_watcher_t(), count: capacity)
                var count = capacity
                let rc = pvc_rbd_watchers_list(rbd, &list, &count)
                if rc == -ERANGE {
                    capacity = max(count, capacity * 2)
                    continue
                }
                guard rc == 0 else {
                    return .failure(CephError(operation: "rbd_watchers_list", target: image.description, code: rc))
                }
                let watchers = list.prefix(count).map { watcher in
                    RBDWatcher(
                        address: watcher.addr.map { String(cString: $0) } ?? "", id: watcher.id,
                        cookie: watcher.cookie)
                }
                pvc_rbd_watchers_list_cleanup(&list, count)
                return .success(watchers)
            }
            return .failure(CephError(
                operation: "rbd_watchers_list", target: image.description, code: -ERANGE,
                message: "the watcher list kept changing size"))
        }
    }

    /// Sends one monitor command (JSON, e.g. `{"prefix":"status","format":"json"}`), bounded by
    /// `timeout` (and by `monitorTimeout` inside librados).
    public func monitorCommand(_ json: String, input: [UInt8] = [], timeout: Duration) async throws(CephError) -> CephCommandResult {
        try await call("rados_mon_command", "", bound: timeout) { cluster in
            var outBuffer: UnsafeMutablePointer<CChar>?
            var outLength = 0
            var status: UnsafeMutablePointer<CChar>?
            var statusLength = 0
            let rc = json.withCString { command -> Int32 in
                var commands: [UnsafePointer<CChar>?] = [command]
                return input.withUnsafeBufferPointer { inputBuffer -> Int32 in
                    inputBuffer.withMemoryRebound(to: CChar.self) { bytes in
                        pvc_rados_mon_command(
                            cluster, &commands, 1, bytes.baseAddress, bytes.count, &outBuffer, &outLength, &status,
                            &statusLength)
                    }
                }
            }
            defer {
                if let outBuffer { pvc_rados_buffer_free(outBuffer) }
                if let status { pvc_rados_buffer_free(status) }
            }
            let statusText = status.map { pointer in
                String(decoding: UnsafeRawBufferPointer(start: pointer, count: statusLength), as: UTF8.self)
            } ?? ""
            guard rc == 0 else {
                let base = CephError.errorText(rc)
                return .failure(CephError(
                    operation: "rados_mon_command", target: json, code: rc,
                    message: statusText.isEmpty ? base : "\(base): \(statusText)"))
            }
            let output = outBuffer.map { pointer in
                Array(UnsafeRawBufferPointer(start: pointer, count: outLength))
            } ?? []
            return .success(CephCommandResult(status: statusText, output: output))
        }
    }

    /// The cluster's pool names (from the client's OSD map).
    public func poolNames() async throws(CephError) -> [String] {
        try await call("rados_pool_list", "", bound: settings.osdTimeout + Self.margin) { cluster in
            var length = 256
            for _ in 0..<8 {
                var buffer = [CChar](repeating: 0, count: length)
                let needed = Int(pvc_rados_pool_list(cluster, &buffer, length))
                if needed < 0 { return .failure(CephError(operation: "rados_pool_list", code: Int32(needed))) }
                if needed > length {
                    length = needed
                    continue
                }
                return .success(Self.strings(buffer, count: nil))
            }
            return .failure(CephError(
                operation: "rados_pool_list", code: -ERANGE, message: "the pool list kept changing size"))
        }
    }

    /// `pool`'s usage figures (`rados df`).
    public func poolStats(_ pool: String) async throws(CephError) -> RadosPoolStats {
        try await withIOContext(pool, "rados_ioctx_pool_stat", bound: settings.monitorTimeout + settings.osdTimeout + Self.margin) { io in
            var stat = rados_pool_stat_t()
            let rc = pvc_rados_ioctx_pool_stat(io, &stat)
            guard rc == 0 else { return .failure(CephError(operation: "rados_ioctx_pool_stat", target: pool, code: rc)) }
            return .success(RadosPoolStats(stat))
        }
    }

    /// Shuts the session down (at once, or when the last call still inside librados returns).
    /// Idempotent; later calls fail with `isClosed`.
    public func close() async {
        guard handle.close() else { return }
        let handle = self.handle
        _ = await DedicatedThread.run(timeout: settings.osdTimeout + Self.margin, { handle.shutdown() }, late: { _ in })
    }

    // MARK: - Plumbing

    /// Runs `body` with the cluster handle on a dedicated thread, bounded by `bound`.
    private func call<T: Sendable>(
        _ operation: String, _ target: String, bound: Duration,
        _ body: @escaping @Sendable (rados_t) -> Result<T, CephError>
    ) async throws(CephError) -> T {
        guard let cluster = handle.enter() else { throw CephError.closed(operation, target) }
        let raw = RawHandle(pointer: cluster)
        let handle = self.handle
        let outcome = await DedicatedThread.run(timeout: bound, { () -> Result<T, CephError> in
            defer { handle.leave() }
            return body(raw.pointer)
        }, late: { _ in })
        guard let outcome else { throw CephError.timedOut(operation, target, after: bound) }
        return try outcome.get()
    }

    /// `call` with an I/O context on `pool`, always destroyed.
    private func withIOContext<T: Sendable>(
        _ pool: String, _ operation: String, bound: Duration,
        _ body: @escaping @Sendable (rados_ioctx_t) -> Result<T, CephError>
    ) async throws(CephError) -> T {
        try await call(operation, pool, bound: bound) { cluster in
            var created: rados_ioctx_t?
            let rc = pvc_rados_ioctx_create(cluster, pool, &created)
            guard rc == 0, let io = created else {
                return .failure(CephError(operation: "rados_ioctx_create", target: pool, code: rc == 0 ? -EINVAL : rc))
            }
            defer { pvc_rados_ioctx_destroy(io) }
            return body(io)
        }
    }

    /// `call` with `image` open (read-only where that suffices), always closed again. Opening
    /// takes a few OSD round trips, each bounded by `osdTimeout`; the outer bound allows two.
    private func withImage<T: Sendable>(
        _ image: RBDImage, _ operation: String, readOnly: Bool,
        _ body: @escaping @Sendable (rbd_image_t) -> Result<T, CephError>
    ) async throws(CephError) -> T {
        let bound = settings.osdTimeout * 2 + Self.margin
        return try await withIOContext(image.pool, operation, bound: bound) { io in
            var opened: rbd_image_t?
            let rc = readOnly
                ? pvc_rbd_open_read_only(io, image.name, &opened, nil)
                : pvc_rbd_open(io, image.name, &opened, nil)
            guard rc == 0, let rbd = opened else {
                return .failure(CephError(
                    operation: readOnly ? "rbd_open_read_only" : "rbd_open", target: image.description,
                    code: rc == 0 ? -EINVAL : rc))
            }
            defer { pvc_rbd_close(rbd) }
            return body(rbd)
        }
    }

    /// Splits a buffer of NUL-terminated strings: the first `count` of them, or (count nil) up to
    /// the empty string that ends rados_pool_list's list.
    static func strings(_ buffer: [CChar], count: Int?) -> [String] {
        var result: [String] = []
        var current: [UInt8] = []
        for char in buffer {
            if let count, result.count >= count { break }
            if char != 0 {
                current.append(UInt8(bitPattern: char))
                continue
            }
            if count == nil && current.isEmpty { break }
            result.append(String(decoding: current, as: UTF8.self))
            current.removeAll(keepingCapacity: true)
        }
        return result
    }
}
