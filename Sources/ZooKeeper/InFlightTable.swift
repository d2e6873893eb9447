import Coordination
import Synchronization

/// What the C library hands back to a completion: the return code and the payload, copied out of
/// the library's buffers before the callback returns.
struct Reply: Sendable {
    enum Payload: Sendable {
        case none
        case string(String)
        case data([UInt8], Coordination.Stat)
        case stat(Coordination.Stat?)
        case strings([String])
    }

    var rc: Int32
    var payload: Payload
}

/// One request handed to the C library and not yet answered.
///
/// C callbacks cannot capture, so each request is known to the library only by a token (passed as
/// the `data` pointer). The token is looked up here when the completion runs, which makes a late
/// or unknown completion harmless: nothing is freed under the library's feet. The entry also keeps
/// alive the buffers the library writes into from its completion thread (`zoo_amulti`).
final class InFlightCall: Sendable {
    let owner: UInt64
    let path: String
    let deadline: ContinuousClock.Instant
    private let buffers: (any Sendable)?
    private let continuation = Mutex<CheckedContinuation<Reply, any Error>?>(nil)

    init(owner: UInt64, path: String, deadline: ContinuousClock.Instant, buffers: (any Sendable)? = nil) {
        self.owner = owner
        self.path = path
        self.deadline = deadline
        self.buffers = buffers
    }

    func attach(_ continuation: CheckedContinuation<Reply, any Error>) {
        self.continuation.withLock { $0 = continuation }
    }

    /// Resumes the waiter once; later outcomes (a completion after a timeout) are dropped.
    func settle(_ outcome: Result<Reply, CoordinationError>) {
        let waiter = continuation.withLock { slot -> CheckedContinuation<Reply, any Error>? in
            defer { slot = nil }
            return slot
        }
        waiter?.resume(with: outcome.mapError { $0 as any Error })
    }
}

/// One watch armed in the C library, known to it by a token like a call.
struct ArmedWatch: Sendable {
    let owner: UInt64
    let path: String
    let signal: WatchSignal
}

/// The process-wide tables behind the tokens. One table for every client, so that a C callback
/// needs nothing but its token.
enum InFlightTable {
    private struct Calls {
        var entries: [UInt64: InFlightCall] = [:]
        var perOwner: [UInt64: Int] = [:]
    }

    private static let calls = Mutex(Calls())
    private static let watches = Mutex([UInt64: ArmedWatch]())
    private static let nextToken = Atomic<UInt64>(1)

    static func newToken() -> UInt64 {
        nextToken.wrappingAdd(1, ordering: .relaxed).oldValue
    }

    static func register(_ call: InFlightCall) -> UInt64 {
        let token = newToken()
        calls.withLock { table in
            table.entries[token] = call
            table.perOwner[call.owner, default: 0] += 1
        }
        return token
    }

    /// Removes and returns the call (its completion ran, or it never reached the library).
    static func take(_ token: UInt64) -> InFlightCall? {
        calls.withLock { table in
            guard let call = table.entries.removeValue(forKey: token) else { return nil }
            let left = (table.perOwner[call.owner] ?? 1) - 1
            table.perOwner[call.owner] = left > 0 ? left : nil
            return call
        }
    }

    /// Calls of `owner` whose deadline has passed. They stay in the table: the library still owns
    /// their token and may still answer.
    static func overdue(owner: UInt64, at now: ContinuousClock.Instant) -> [InFlightCall] {
        calls.withLock { table in
            table.entries.values.filter { $0.owner == owner && $0.deadline <= now }
        }
    }

    static func pendingCount(owner: UInt64) -> Int {
        calls.withLock { $0.perOwner[owner] ?? 0 }
    }

    /// Every call of `owner` still in the table.
    static func inFlight(owner: UInt64) -> [InFlightCall] {
        calls.withLock { table in table.entries.values.filter { $0.owner == owner } }
    }

    /// Removes every call and watch of `owner`, after its handle is closed and no callback can come.
    static func removeAll(owner: UInt64) -> (calls: [InFlightCall], watches: [ArmedWatch]) {
        let removed: [InFlightCall] = calls.withLock { table in
            let mine = table.entries.filter { $0.value.owner == owner }
            for token in mine.keys { table.entries[token] = nil }
            table.perOwner[owner] = nil
            return Array(mine.values)
        }
        return (removed, takeWatches(owner: owner))
    }

    static func arm(_ watch: ArmedWatch) -> UInt64 {
        let token = newToken()
        watches.withLock { $0[token] = watch }
        return token
    }

    static func takeWatch(_ token: UInt64) -> ArmedWatch? {
        watches.withLock { $0.removeValue(forKey: token) }
    }

    /// Every armed watch of `owner`, removed (its session ended).
    static func takeWatches(owner: UInt64) -> [ArmedWatch] {
        watches.withLock { table in
            let mine = table.filter { $0.value.owner == owner }
            for token in mine.keys { table[token] = nil }
            return Array(mine.values)
        }
    }
}

extension UInt64 {
    /// The token as the `const void *data` the C library passes back.
    var asContext: UnsafeMutableRawPointer? { UnsafeMutableRawPointer(bitPattern: UInt(self)) }

    init(context: UnsafeRawPointer?) {
        self = UInt64(UInt(bitPattern: context))
    }
}
