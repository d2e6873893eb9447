import Coordination
import LocalServices
import Testing
import ZooKeeper

/// A server that stops answering (SIGSTOP): nothing may hang. Calls fail at their deadline, the
/// session is suspended, and once it has been unreachable for a full session timeout the client
/// presumes it expired, which the C library never does by itself.
@Suite(.serialized, .timeLimit(.minutes(2))) struct FrozenServerTests {
    @Test func everyPendingCallFailsWithinItsDeadlineAndTheSessionIsPresumedExpired() async throws {
        try await withServer { server in
            let callTimeout = Duration.seconds(1)
            let client = try await TestSessions.connect(hosts: server.connectString, sessionTimeout: .seconds(2),
                                                        callTimeout: callTimeout)
            let observer = try await TestSessions.connect(hosts: server.connectString)
            try await withClients([client, observer]) {
                _ = try await client.create("/frozen", data: [], mode: .persistent)
                let lockWatch = WatchSignal()
                _ = try await client.get("/frozen", watch: lockWatch)
                let lease = try await CoordinationLock(store: client, path: "/frozen-lock").acquire(timeout: .seconds(5))
                let states = client.sessionStates()
                try await server.freeze(1)
                do {
                    let outcomes = Tally<Outcome>()
                    await withTaskGroup(of: Void.self) { group in
                        for index in 0..<20 {
                            group.addTask {
                                let started = ContinuousClock.now
                                do {
                                    _ = try await client.set("/frozen", data: [UInt8(index)], version: nil)
                                    outcomes.add(Outcome(code: nil, took: ContinuousClock.now - started))
                                } catch let error as CoordinationError {
                                    outcomes.add(Outcome(code: error.code, took: ContinuousClock.now - started))
                                } catch {
                                    outcomes.add(Outcome(code: .other(-1), took: ContinuousClock.now - started))
                                }
                            }
                        }
                    }
                    let seen = outcomes.all
                    #expect(seen.count == 20)
                    for outcome in seen {
                        let (code, took) = (outcome.code, outcome.took)
                        // Whichever comes first fails the call: its deadline, the library's own timeout, or
                        // the session presumed expired (a starved timer on a loaded machine).
                        #expect(code == .operationTimeout || code == .connectionLoss || code == .sessionExpired,
                                "a call to a frozen server gave \(String(describing: code))")
                        // Bounded, not fast: the point is that no call hangs on a frozen server.
                        // The slack above the deadline covers the timer's 50 ms tick and 20
                        // concurrent callers scheduled on a 2-core machine running ~90 suites; a
                        // hung call would stay blocked until the server thaws after this group.
                        #expect(took < callTimeout + .seconds(10), "a call took \(took) against a deadline of \(callTimeout)")
                    }
                    var seenStates: [SessionState] = []
                    for await state in states {
                        seenStates.append(state)
                        if state.isTerminal { break }
                    }
                    #expect(seenStates == [.connected, .suspended, .expired])
                    #expect(client.sessionState == .expired)
                    // The lock holder learns it lost the lock without the server saying so.
                    #expect(await lease.waitUntilLost(timeout: .seconds(5)))
                    #expect(!lease.isHeld)
                    // The armed watch learns the session is gone.
                    let watchError = await #expect(throws: CoordinationError.self) {
                        _ = try await lockWatch.wait(timeout: .seconds(5))
                    }
                    #expect(watchError?.code == .sessionExpired)
                    let callError = await #expect(throws: CoordinationError.self) {
                        _ = try await client.get("/frozen")
                    }
                    #expect(callError?.code == .sessionExpired)
                    try await server.thaw(1)
                } catch {
                    try? await server.thaw(1)
                    throw error
                }
            }
        }
    }

    struct Outcome: Sendable {
        /// nil: the call succeeded, which a frozen server cannot allow.
        let code: CoordinationError.Code?
        let took: Duration
    }
}
