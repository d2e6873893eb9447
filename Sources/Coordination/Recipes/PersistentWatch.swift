/// What one read of a persistent watch found.
enum WatchRead<Value: Sendable>: Sendable {
    /// The current value, with the signal armed for the next change.
    case value(Value)
    /// The node appeared or went between two calls of the same read: read again at once.
    case again
}

/// Why a persistent watch stopped.
enum WatchEnd: Sendable, Equatable {
    /// The session is over (`.expired`, `.closed`): nothing more will ever be seen.
    case sessionEnded
    /// The consumer asked to stop, or the task was cancelled.
    case stopped
}

/// The machinery shared by `watchData` and `watchChildren`: ZooKeeper's one-shot watches turned into
/// a value that is followed for as long as the session lives (Kazoo's `DataWatch`/`ChildrenWatch`).
///
/// Each round arms a fresh signal with the read itself, so that no change can fall between reading
/// and watching, then waits on it. Intermediate values may be skipped (a one-shot watch fires once
/// for any number of changes) but the value read after the last change is always delivered, and a
/// value that is the same as the last one delivered never is.
struct PersistentWatch<Value: Sendable>: Sendable {
    let store: any CoordinationStore
    let path: String
    /// Reads the current value and arms the signal for its next change.
    let read: @Sendable (WatchSignal) async throws -> WatchRead<Value>
    /// Whether two reads show the same state of the node (no news for the consumer).
    let isSame: @Sendable (Value, Value) -> Bool

    /// Delivers the current value, then every change, until the session ends, the task is
    /// cancelled, or `deliver` returns false.
    func run(deliver: (Value) -> Bool) async -> WatchEnd {
        let observer = ReconnectObserver(store: store, path: path)
        return await withTaskGroup(of: Void.self) { group in
            group.addTask { await observer.run() }
            let end = await follow(observer: observer, deliver: deliver)
            group.cancelAll()
            return end
        }
    }

    private func follow(observer: ReconnectObserver, deliver: (Value) -> Bool) async -> WatchEnd {
        var last: Value?
        while true {
            if Task.isCancelled { return .stopped }
            let signal = WatchSignal()
            observer.arm(signal)
            let readFailed: Bool
            do {
                switch try await read(signal) {
                case .again:
                    continue
                case .value(let value):
                    readFailed = false
                    if last.map({ isSame($0, value) }) != true {
                        last = value
                        guard deliver(value) else { return .stopped }
                    }
                }
            } catch {
                if error is CancellationError { return .stopped }
                if store.isSessionEnd(error) { return .sessionEnded }
                // Connection trouble, or anything else we cannot act on: read again after the
                // reconnection (the observer fires the signal) or after the bound below.
                if !store.isRetryable(error) {
                    RecipeLog.logger.warning("persistent watch could not read its node; trying again",
                                             metadata: ["path": "\(path)", "error": "\(error)"])
                }
                readFailed = true
            }
            if let end = await waitForNews(on: signal, readFailed: readFailed) { return end }
        }
    }

    /// Waits until the signal fires (change, reconnection) and returns nil to read again, or returns
    /// how the watch ends.
    ///
    /// The wait is bounded only to look at the session now and then; a timeout re-reads only when
    /// the last read failed, since otherwise our watch is still armed and a read would learn nothing.
    private func waitForNews(on signal: WatchSignal, readFailed: Bool) async -> WatchEnd? {
        while true {
            do {
                _ = try await signal.wait(timeout: store.recipeWaitBound)
                return nil
            } catch let error as CoordinationError where error.code == .operationTimeout {
                if store.sessionState.isTerminal { return .sessionEnded }
                if readFailed { return nil }
            } catch {
                return error is CancellationError ? .stopped : .sessionEnded
            }
        }
    }
}

extension CoordinationStore {
    /// Runs `watch` in a task that lives as long as the stream's consumer keeps iterating.
    ///
    /// The stream keeps only the newest undelivered value: a consumer that falls behind gets the
    /// latest state rather than a backlog (values may be coalesced anyway, see `PersistentWatch`).
    func persistentStream<Value: Sendable>(_ watch: PersistentWatch<Value>) -> AsyncStream<Value> {
        let (stream, continuation) = AsyncStream.makeStream(of: Value.self, bufferingPolicy: .bufferingNewest(1))
        guard (try? PathRules.validate(watch.path)) != nil else {
            // Nothing will ever exist at a path the server refuses.
            continuation.finish()
            return stream
        }
        let task = Task {
            _ = await watch.run { value in
                if case .terminated = continuation.yield(value) { return false }
                return true
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}
