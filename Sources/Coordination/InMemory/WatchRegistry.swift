/// The armed one-shot watches of every session, and the rules by which ZooKeeper fires them.
///
/// Entries are kept in arming order so that when one write fires several watches, they fire in the
/// same order on every run.
struct WatchRegistry: Sendable {
    /// The three lists a ZooKeeper client keeps; the difference matters when it reconnects.
    enum Kind: Sendable {
        /// Set by `get`, or by `exists` on a node that exists.
        case data
        /// Set by `exists` on a node that does not exist.
        case exist
        /// Set by `children`.
        case child
    }

    struct Entry: Sendable {
        var sequence: UInt64
        var sessionID: Int64
        var kind: Kind
        var path: String
        var signal: WatchSignal
    }

    /// What a write or a reconnection fired: deliver outside the lock.
    typealias Firing = (signal: WatchSignal, event: WatchEvent)

    private var entriesByPath: [String: [Entry]] = [:]
    /// Where each signal is armed, so that once it fires every other entry of it can go: a signal
    /// fires at most once, wherever it was armed.
    private var pathsBySignal: [ObjectIdentifier: Set<String>] = [:]
    private var nextSequence: UInt64 = 0

    mutating func arm(_ signal: WatchSignal, kind: Kind, path: String, sessionID: Int64) {
        // A signal that already fired would only sit here until its session ends.
        guard signal.outcome == nil else { return }
        nextSequence += 1
        entriesByPath[path, default: []].append(
            Entry(sequence: nextSequence, sessionID: sessionID, kind: kind, path: path, signal: signal))
        pathsBySignal[ObjectIdentifier(signal), default: []].insert(path)
    }

    /// The watches one change fires, as ZooKeeper's `DataTree` triggers them. Watches of sessions
    /// for which `isDeliverable` is false stay armed: a disconnected client's watches are not on the
    /// server, and are looked at again when it reconnects.
    mutating func trigger(_ change: TreeChange, isDeliverable: (Int64) -> Bool) -> [Firing] {
        var fired: [Firing] = []
        switch change {
        case .created(let path):
            fire(path, kinds: [.data, .exist], event: WatchEvent(.created, path: path), isDeliverable, into: &fired)
            let parent = ZnodeTree.parent(of: path)
            fire(parent, kinds: [.child], event: WatchEvent(.childrenChanged, path: parent), isDeliverable, into: &fired)
        case .deleted(let path):
            fire(path, kinds: [.data, .exist], event: WatchEvent(.deleted, path: path), isDeliverable, into: &fired)
            fire(path, kinds: [.child], event: WatchEvent(.deleted, path: path), isDeliverable, into: &fired)
            let parent = ZnodeTree.parent(of: path)
            fire(parent, kinds: [.child], event: WatchEvent(.childrenChanged, path: parent), isDeliverable, into: &fired)
        case .dataChanged(let path):
            fire(path, kinds: [.data, .exist], event: WatchEvent(.dataChanged, path: path), isDeliverable, into: &fired)
        }
        return fired
    }

    /// What ZooKeeper's `setWatches` does when a client reconnects: each watch of the session fires
    /// at once if its node changed after `relativeZxid` (the last zxid the client saw), and stays
    /// armed otherwise.
    mutating func reregister(sessionID: Int64, relativeZxid: Int64, tree: ZnodeTree) -> [Firing] {
        var fired: [Firing] = []
        for entry in entries(of: sessionID) {
            let node = tree[entry.path]
            let event: WatchEvent?
            switch entry.kind {
            case .data:
                if node == nil {
                    event = WatchEvent(.deleted, path: entry.path)
                } else if let node, node.mzxid > relativeZxid {
                    event = WatchEvent(.dataChanged, path: entry.path)
                } else {
                    event = nil
                }
            case .exist:
                event = node == nil ? nil : WatchEvent(.created, path: entry.path)
            case .child:
                if node == nil {
                    event = WatchEvent(.deleted, path: entry.path)
                } else if let node, node.pzxid > relativeZxid {
                    event = WatchEvent(.childrenChanged, path: entry.path)
                } else {
                    event = nil
                }
            }
            // An earlier entry of the same signal may have fired it already in this loop.
            if let event, pathsBySignal[ObjectIdentifier(entry.signal)] != nil {
                fired.append((entry.signal, event))
                drop(entry.signal)
            }
        }
        return fired
    }

    /// Disarms every watch of a session and returns the signals, to fail them.
    mutating func removeAll(of sessionID: Int64) -> [WatchSignal] {
        var signals: [WatchSignal] = []
        for entry in entries(of: sessionID) where pathsBySignal[ObjectIdentifier(entry.signal)] != nil {
            signals.append(entry.signal)
            drop(entry.signal)
        }
        return signals
    }

    func count(of sessionID: Int64) -> Int {
        entriesByPath.values.reduce(0) { total, entries in
            total + entries.count { $0.sessionID == sessionID }
        }
    }

    // MARK: Internals

    private func entries(of sessionID: Int64) -> [Entry] {
        entriesByPath.values.flatMap { $0.filter { $0.sessionID == sessionID } }
            .sorted { $0.sequence < $1.sequence }
    }

    private mutating func fire(_ path: String, kinds: [Kind], event: WatchEvent,
                               _ isDeliverable: (Int64) -> Bool, into fired: inout [Firing]) {
        guard let entries = entriesByPath[path] else { return }
        for entry in entries where kinds.contains(entry.kind) && isDeliverable(entry.sessionID) {
            // Gone already when the same signal was armed twice here and the first entry fired it.
            guard pathsBySignal[ObjectIdentifier(entry.signal)] != nil else { continue }
            fired.append((entry.signal, event))
            drop(entry.signal)
        }
    }

    private mutating func drop(_ signal: WatchSignal) {
        let id = ObjectIdentifier(signal)
        guard let paths = pathsBySignal.removeValue(forKey: id) else { return }
        for path in paths {
            entriesByPath[path]?.removeAll { ObjectIdentifier($0.signal) == id }
            if entriesByPath[path]?.isEmpty == true {
                entriesByPath[path] = nil
            }
        }
    }
}
