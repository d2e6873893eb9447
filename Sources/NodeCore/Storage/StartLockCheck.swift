/// An RBD lock found on one of a VM's volumes.
public struct VolumeLock: Sendable, Equatable {
    /// `pool/volume`, as in the VM's `rbdlist`.
    public var volume: String
    /// The lock's id (librbd's cookie; `auto …` for qemu's own exclusive lock).
    public var cookie: String
    /// The holding client's entity, e.g. `client.4166`.
    public var client: String
    /// The holding client's host address (without port and nonce), as Ceph saw it connect.
    public var host: String

    public init(volume: String, cookie: String, client: String, host: String) {
        self.volume = volume
        self.cookie = cookie
        self.client = client
        self.host = host
    }
}

/// What a node does with the locks on a VM's volumes before it starts the VM (PVC's ownership check,
/// pvc-node-daemon.md §9): a lock held from this node's own storage address was left by a crash here
/// (nothing here runs the VM, or the start would not be asked for) and is freed; a lock held from
/// anywhere else may belong to a copy still running there, so the VM is not started.
public enum StartLockCheck {
    public enum Verdict: Sendable, Equatable {
        /// Free these (possibly none) and start.
        case free([VolumeLock])
        /// Do not start: `state` `fail` with this reason, nothing freed.
        case refuse(reason: String)
    }

    /// `ownAddress` nil (this node's client address is not configured) makes every lock foreign:
    /// without it nothing proves a lock is this node's.
    public static func verdict(locks: [VolumeLock], ownAddress: String?) -> Verdict {
        if let foreign = locks.first(where: { $0.host != ownAddress || ownAddress == nil }) {
            return .refuse(reason: refusal(foreign))
        }
        return .free(locks)
    }

    /// PVC's wording, so its client and operators read the same message.
    public static func refusal(_ lock: VolumeLock) -> String {
        "Could not safely free RBD lock \(lock.cookie) (\(lock.host)) on volume \(lock.volume); "
            + "stop VM and flush locks manually"
    }

    /// A VM's `rbdlist`: comma-separated `pool/volume`; empty entries (an empty list, a trailing
    /// comma) are not volumes — PVC asked Ceph about the empty name and failed the evacuation.
    public static func volumes(inList text: String) -> [String] {
        text.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var slice = Substring(self)
        while slice.first?.isWhitespace == true { slice.removeFirst() }
        while slice.last?.isWhitespace == true { slice.removeLast() }
        return String(slice)
    }
}
