import DedicatedThreads
import Coordination
import CZooKeeper
import Logging
import Synchronization

/// An async ZooKeeper client over the C multithreaded library (libzookeeper_mt), one session per
/// client. Every call is bounded by `Configuration.callTimeout`; the session's state is reported as
/// the C library sees it, plus a presumed expiry the library never declares (see `SessionTracker`).
///
/// After the session expires the client is dead, as the C handle is: open a new one, re-create
/// ephemerals and re-read state. `close()` lets in-flight calls finish first, so that none is lost
/// and the server ends the session (and its ephemerals) at once.
public final class ZooKeeperClient: CoordinationStore {
    /// The C handle. The multithreaded library locks inside, so it may be used from any thread.
    struct Handle: @unchecked Sendable {
        let zh: OpaquePointer
    }


    /// For what the library's threads notice and no caller will hear of.
    static let diagnostics = Logger(label: "pvc.zookeeper")

    public let configuration: Configuration
    let handle: Handle
    /// This client's token in the process-wide tables the C callbacks look up.
    let token: UInt64
    let hub: SessionHub
    /// Set once the client ends (closed, or its session expired); new calls are refused with
    /// `endError` from then on. Atomic rather than a lock held across the library call: two pool
    /// threads queueing on a lock behind the library's own lock cost more than the call itself.
    private let ending = Atomic<Bool>(false)
    /// Calls between their check of `ending` and the library's taking their request. The handle is
    /// closed only once this is zero, so no call can reach a closed handle.
    private let callsStarting = Atomic<Int>(0)
    private let endError = Mutex<CoordinationError?>(nil)
    private let teardown = Mutex<Task<Void, Never>?>(nil)
    private let timer = Mutex<Task<Void, Never>?>(nil)
    private var logger: Logger { configuration.logger }

    private init(configuration: Configuration, handle: Handle, token: UInt64, hub: SessionHub) {
        self.configuration = configuration
        self.handle = handle
        self.token = token
        self.hub = hub
    }

    deinit {
        // Only reached without close() and with no teardown running (a teardown holds the client).
        guard teardown.withLock({ $0 == nil }) else { return }
        Self.diagnostics.warning("ZooKeeper client released without close(); closing its handle in the background",
                                 metadata: ["session": "\(sessionIDText)"])
        let handle = handle
        let token = token
        Task.detached {
            _ = await DedicatedThread.run { zookeeper_close(handle.zh) }
            ZooKeeperClient.sweep(token: token, error: CoordinationError(.closed, detail: "client released without close()"))
        }
    }

    /// Connects and waits, at most `connectTimeout`, until the session is established and the
    /// chroot (if any) exists.
    public static func connect(_ configuration: Configuration) async throws -> ZooKeeperClient {
        if let chroot = configuration.chroot {
            try PathRules.validate(chroot)
        }
        zoo_set_debug_level(configuration.cLogLevel)
        let token = InFlightTable.newToken()
        let hub = SessionHub(sessionTimeout: configuration.sessionTimeout, logger: configuration.logger)
        SessionRegistry.add(hub, token: token)
        // Subscribed before the handle exists, so that no state change can be missed.
        let states = hub.subscribe()
        let connectString = configuration.connectString
        let timeoutMs = Int32(clamping: configuration.sessionTimeout.milliseconds)
        let resumed = configuration.resumedSession
        let resolutionDelayMs = max(1, configuration.hostResolutionInterval.milliseconds)
        // zookeeper_init2 resolves the host names before it returns, and a dead name server can
        // hold it for many seconds: bounded by the connect deadline, a late handle closed unused.
        let connectDeadline = ContinuousClock.now + configuration.connectTimeout
        let made: Handle?? = await DedicatedThread.run(timeout: configuration.connectTimeout, {
            var session = resumed ?? clientid_t()
            let zh = withUnsafePointer(to: &session) { sessionPointer in
                zookeeper_init2(connectString, sessionCallback, timeoutMs, resumed == nil ? nil : sessionPointer,
                                token.asContext, ZOO_NO_LOG_CLIENTENV, LibraryLog.callback)
            }
            if let zh {
                _ = zoo_set_servers_resolution_delay(zh, Int32(clamping: resolutionDelayMs))
            }
            return zh.map(Handle.init)
        }, late: { late in
            if let late { zookeeper_close(late.zh) }
        })
        guard let made else {
            SessionRegistry.remove(token: token)
            throw CoordinationError(.connectionFailed,
                                    detail: "looking up '\(connectString)' took longer than \(configuration.connectTimeout)")
        }
        guard let created = made else {
            SessionRegistry.remove(token: token)
            throw CoordinationError(.connectionFailed, detail: "the ZooKeeper client refused the host list '\(connectString)'")
        }
        let client = ZooKeeperClient(configuration: configuration, handle: created, token: token, hub: hub)
        hub.whenEnded { [weak client] state in
            guard let client else { return }
            _ = client.end(state == .closed ? CoordinationError(.closed) : CoordinationError(.sessionExpired))
        }
        client.startTimer()

        let reached = await withDeadline(connectDeadline - ContinuousClock.now) { () -> SessionState? in
            for await state in states where state == .connected || state.isTerminal {
                return state
            }
            return nil
        } ?? nil
        guard reached == .connected else {
            await client.close()
            let why = reached.map { "the session ended while connecting (\($0))" }
                ?? "no server answered within \(configuration.connectTimeout)"
            throw CoordinationError(.connectionFailed, detail: "\(configuration.hosts): \(why)")
        }
        if let chroot = configuration.chroot, chroot != "/" {
            let present: Coordination.Stat?
            do {
                present = try await client.exists("/")
            } catch {
                await client.close()
                throw error
            }
            if present == nil {
                await client.close()
                throw CoordinationError(.connectionFailed, path: chroot, detail: "the chroot does not exist on \(configuration.hosts)")
            }
        }
        configuration.logger.info("ZooKeeper session established",
                                  metadata: ["session": "\(client.sessionIDText)", "hosts": "\(configuration.hosts)",
                                             "timeout": "\(hub.sessionTimeout)"])
        return client
    }

    // MARK: Session

    public var sessionState: SessionState { hub.state }

    public func sessionStates() -> AsyncStream<SessionState> { hub.subscribe() }

    public var sessionID: Int64 { hub.identity?.id ?? 0 }

    public var sessionTimeout: Duration { hub.sessionTimeout }

    var sessionIDText: String { "0x" + String(UInt64(bitPattern: sessionID), radix: 16) }

    /// Ends this client's session from the outside, deterministically: a second handle takes the
    /// session over and closes it, and the server then expires it for this client (swift-interop
    /// §3.6). A server that is merely frozen does not reliably expire a session.
    ///
    /// The takeover can lose a race: this client reconnects at once when the server drops it, takes
    /// the session back, and the twin, now disconnected, closes without telling the server. So the
    /// takeover is repeated until this client has seen its session end, at most `attempts` times.
    public func expireSessionForTesting(attempts: Int = 10) async throws {
        for _ in 0..<attempts {
            guard let session = hub.identity?.session, !hub.state.isTerminal else { break }
            var twinConfiguration = configuration
            twinConfiguration.resumedSession = session
            twinConfiguration.connectTimeout = .seconds(5)
            twinConfiguration.logger = Logger(label: "pvc.zookeeper.expiry-twin")
            if let twin = try? await ZooKeeperClient.connect(twinConfiguration) {
                await twin.close()
            }
            // The server answers a reconnect of an ended session with EXPIRED at once; 3 s covers a
            // client that waits out the library's reconnect back-off first.
            let hub = hub
            let ended = await withDeadline(.seconds(3)) {
                // The current state comes first, so an expiry that already happened is seen too.
                for await state in hub.subscribe() where state.isTerminal { return true }
                return false
            }
            if ended == true { break }
        }
        if hub.state == .expired { return }
        throw CoordinationError(.operationTimeout,
                                detail: "session \(sessionIDText) still alive after \(attempts) takeovers")
    }

    // MARK: Calls

    public func create(_ path: String, data: [UInt8], mode: CreateMode) async throws -> String {
        try PathRules.validate(path)
        try PathRules.validate(data: data, for: path)
        let flags = Self.flags(for: mode)
        let reply = try await submit(path) { zh, context in
            data.withUnsafeBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) { chars in
                    zoo_acreate(zh, path, chars.baseAddress, Int32(chars.count), czk_open_acl_unsafe(), flags,
                                stringCompletion, context)
                }
            }
        }
        try check(reply, path)
        guard case .string(let created) = reply.payload else {
            throw CoordinationError(.other(reply.rc), path: path, detail: "create answered without a path")
        }
        return created
    }

    public func get(_ path: String, watch: WatchSignal?) async throws -> NodeData {
        try PathRules.validate(path)
        let watchToken = arm(watch, path)
        let reply = try await disarming(watchToken) {
            try await submit(path, watchToken: watchToken) { zh, context in
                zoo_awget(zh, path, watchToken == nil ? nil : watchCallback, watchToken?.asContext, dataCompletion, context)
            }
        }
        if reply.rc != ZOK.rawValue { disarm(watchToken) }
        try check(reply, path)
        guard case .data(let bytes, let stat) = reply.payload else {
            throw CoordinationError(.other(reply.rc), path: path, detail: "get answered without data")
        }
        return NodeData(data: bytes, stat: stat)
    }

    public func set(_ path: String, data: [UInt8], version: Int32?) async throws -> Coordination.Stat {
        try PathRules.validate(path)
        try PathRules.validate(data: data, for: path)
        let reply = try await submit(path) { zh, context in
            data.withUnsafeBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) { chars in
                    zoo_aset(zh, path, chars.baseAddress, Int32(chars.count), version ?? -1, statCompletion, context)
                }
            }
        }
        try check(reply, path)
        guard case .stat(let stat?) = reply.payload else {
            throw CoordinationError(.other(reply.rc), path: path, detail: "set answered without a stat")
        }
        return stat
    }

    public func delete(_ path: String, version: Int32?) async throws {
        try PathRules.validate(path)
        let reply = try await submit(path) { zh, context in
            zoo_adelete(zh, path, version ?? -1, voidCompletion, context)
        }
        try check(reply, path)
    }

    public func exists(_ path: String, watch: WatchSignal?) async throws -> Coordination.Stat? {
        try PathRules.validate(path)
        let watchToken = arm(watch, path)
        let reply = try await disarming(watchToken) {
            try await submit(path, watchToken: watchToken) { zh, context in
                zoo_awexists(zh, path, watchToken == nil ? nil : watchCallback, watchToken?.asContext, statCompletion, context)
            }
        }
        // A missing node still arms an exists watch: it fires when the node is created.
        if reply.rc == ZNONODE.rawValue { return nil }
        if reply.rc != ZOK.rawValue { disarm(watchToken) }
        try check(reply, path)
        guard case .stat(let stat) = reply.payload else { return nil }
        return stat
    }

    public func children(_ path: String, watch: WatchSignal?) async throws -> [String] {
        try PathRules.validate(path)
        let watchToken = arm(watch, path)
        let reply = try await disarming(watchToken) {
            try await submit(path, watchToken: watchToken) { zh, context in
                zoo_awget_children(zh, path, watchToken == nil ? nil : watchCallback, watchToken?.asContext,
                                   stringsCompletion, context)
            }
        }
        if reply.rc != ZOK.rawValue { disarm(watchToken) }
        try check(reply, path)
        guard case .strings(let names) = reply.payload else { return [] }
        return names.sorted()
    }

    public func sync(_ path: String) async throws {
        try PathRules.validate(path)
        let reply = try await submit(path) { zh, context in
            zoo_async(zh, path, stringCompletion, context)
        }
        try check(reply, path)
    }

    public func multi(_ operations: [Operation]) async throws -> [OperationResult] {
        try PathRules.validate(operations: operations)
        if operations.isEmpty {
            try checkOpen(path: nil)
            return []
        }
        let request = MultiRequest(operations)
        let reply = try await submit(operations[0].path, buffers: request) { zh, context in
            request.submit(zh, completion: voidCompletion, context: context)
        }
        if reply.rc == ZOK.rawValue {
            return request.results()
        }
        if let (index, rc) = request.failure() {
            var error = CoordinationError.fromZooKeeper(rc, path: operations[index].path, expired: hub.state == .expired)
            error.failedOperation = index
            throw error
        }
        throw CoordinationError.fromZooKeeper(reply.rc, path: operations[0].path, expired: hub.state == .expired)
    }

    // MARK: Closing

    public func close() async {
        await end(CoordinationError(.closed)).value
    }

    /// Starts the teardown once (a close, or the session's end) and returns it for others to await.
    private func end(_ error: CoordinationError) -> Task<Void, Never> {
        teardown.withLock { running in
            if let running { return running }
            endError.withLock { $0 = error }
            ending.store(true, ordering: .sequentiallyConsistent)
            let task = Task { await self.tearDown(error) }
            running = task
            return task
        }
    }

    private func tearDown(_ error: CoordinationError) async {
        // A call that passed its check before `ending` was set is handing its request to the
        // library right now, which does not block: wait for it before closing. Bounded all the
        // same; past the bound the call's request is lost and the sweep after close answers it.
        let startingDeadline = ContinuousClock.now + .milliseconds(500)
        while callsStarting.load(ordering: .sequentiallyConsistent) > 0 {
            guard ContinuousClock.now < startingDeadline else {
                logger.error("ZooKeeper close: a call was still being queued after 500 ms; closing regardless",
                             metadata: ["session": "\(sessionIDText)"])
                break
            }
            await Task.yield()
        }
        if error.code == .closed {
            // Let calls in flight be answered: the library drops their completions at close.
            let deadline = ContinuousClock.now + configuration.closeDrainTimeout
            while InFlightTable.pendingCount(owner: token) > 0 && ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(1))
            }
        } else {
            for call in InFlightTable.inFlight(owner: token) { call.settle(.failure(error)) }
        }
        for watch in InFlightTable.takeWatches(owner: token) { watch.signal.fail(error) }
        let handle = handle
        let started = ContinuousClock.now
        _ = await DedicatedThread.run { zookeeper_close(handle.zh) }
        Self.sweep(token: token, error: error)
        timer.withLock { $0 }?.cancel()
        if error.code == .closed {
            hub.onClosed()
        }
        logger.debug("ZooKeeper handle closed", metadata: ["session": "\(sessionIDText)",
                                                           "took": "\(ContinuousClock.now - started)"])
    }

    /// After the handle is closed no callback can come: fail whatever is left.
    private static func sweep(token: UInt64, error: CoordinationError) {
        let (calls, watches) = InFlightTable.removeAll(owner: token)
        for call in calls { call.settle(.failure(CoordinationError(error.code, path: call.path, detail: error.detail))) }
        for watch in watches { watch.signal.fail(error) }
        SessionRegistry.remove(token: token)
    }

    // MARK: Plumbing

    /// The client's timer: fails calls past their deadline and lets the session tracker presume
    /// expiry. Every 50 ms while a call is in flight or the session is not connected: deadlines
    /// are seconds long, so a twentieth of a second is precise enough. Every 250 ms otherwise: an
    /// idle daemon should not wake twenty times a second for nothing, and a call made meanwhile
    /// overruns its deadline by at most that.
    private func startTimer() {
        let task = Task { [weak self] in
            var busy = true
            while !Task.isCancelled {
                try? await Task.sleep(for: busy ? .milliseconds(50) : .milliseconds(250))
                guard let self else { return }
                busy = InFlightTable.pendingCount(owner: self.token) > 0 || self.hub.state != .connected
                let now = ContinuousClock.now
                for call in InFlightTable.overdue(owner: self.token, at: now) {
                    call.settle(.failure(CoordinationError(
                        .operationTimeout, path: call.path,
                        detail: "no answer within \(self.configuration.callTimeout)")))
                }
                self.hub.onTick(at: now)
            }
        }
        timer.withLock { $0 = task }
    }

    private func checkOpen(path: String?) throws {
        if ending.load(ordering: .sequentiallyConsistent) {
            throw refusal(path: path)
        }
    }

    private func refusal(path: String?) -> CoordinationError {
        let error = endError.withLock { $0 } ?? CoordinationError(.closed)
        return CoordinationError(error.code, path: path, detail: error.detail)
    }

    /// Hands one request to the library and waits for its reply or its deadline.
    private func submit(_ path: String, buffers: (any Sendable)? = nil, watchToken: UInt64? = nil,
                        _ start: (OpaquePointer, UnsafeMutableRawPointer?) -> Int32) async throws -> Reply {
        let call = InFlightCall(owner: token, path: path, deadline: .now + configuration.callTimeout, buffers: buffers)
        let zh = handle.zh
        return try await withCheckedThrowingContinuation { continuation in
            call.attach(continuation)
            let callToken = InFlightTable.register(call)
            // Counted in before the check and out after the library took the request, so that a
            // teardown that sets `ending` after our check waits for us before closing the handle.
            callsStarting.add(1, ordering: .sequentiallyConsistent)
            let outcome: Result<Int32, CoordinationError>
            if ending.load(ordering: .sequentiallyConsistent) {
                outcome = .failure(refusal(path: path))
            } else {
                outcome = .success(start(zh, callToken.asContext))
            }
            callsStarting.subtract(1, ordering: .sequentiallyConsistent)
            switch outcome {
            case .success(let rc) where rc == ZOK.rawValue:
                return
            case .success(let rc):
                _ = InFlightTable.take(callToken)
                disarm(watchToken)
                call.settle(.failure(.fromZooKeeper(rc, path: path, expired: hub.state == .expired)))
            case .failure(let error):
                _ = InFlightTable.take(callToken)
                disarm(watchToken)
                call.settle(.failure(error))
            }
        }
    }

    private func check(_ reply: Reply, _ path: String) throws {
        guard reply.rc == ZOK.rawValue else {
            throw CoordinationError.fromZooKeeper(reply.rc, path: path, expired: hub.state == .expired)
        }
    }

    private func arm(_ watch: WatchSignal?, _ path: String) -> UInt64? {
        watch.map { InFlightTable.arm(ArmedWatch(owner: token, path: path, signal: $0)) }
    }

    /// A call that failed outright (deadline, session end) may or may not have armed its watch in
    /// the library; forget it either way: a late event for an unknown token is ignored.
    private func disarming(_ watchToken: UInt64?, _ call: () async throws -> Reply) async throws -> Reply {
        do {
            return try await call()
        } catch {
            disarm(watchToken)
            throw error
        }
    }

    /// The library did not arm the watch (the call failed): forget it.
    private func disarm(_ watchToken: UInt64?) {
        if let watchToken { _ = InFlightTable.takeWatch(watchToken) }
    }

    private static func flags(for mode: CreateMode) -> Int32 {
        switch mode {
        case .persistent: return 0
        case .ephemeral: return ZOO_EPHEMERAL
        case .persistentSequential: return ZOO_SEQUENCE
        case .ephemeralSequential: return ZOO_EPHEMERAL | ZOO_SEQUENCE
        }
    }
}
