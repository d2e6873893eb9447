import Coordination
import CZooKeeper
import Logging

extension ZooKeeperClient {
    public struct Configuration: Sendable {
        /// "host:port,host:port,...", as ZooKeeper's own clients take it.
        public var hosts: String
        /// A path every call is relative to; it must exist (checked when connecting).
        public var chroot: String?
        /// Asked of the server, which clamps it to its own bounds. Default 10 s: Kazoo's, which PVC's
        /// daemons use, so that a node of ours and a node of PVC's lose their sessions alike.
        public var sessionTimeout: Duration = .seconds(10)
        /// Bound on every call. Default 5 s: half the session timeout, so that a keepalive that makes
        /// one call can still report a failure well before the session could be lost.
        public var callTimeout: Duration = .seconds(5)
        /// Bound on the first connection. Default 15 s: long enough for a server that is still
        /// starting, short enough that a typo in the host list is reported soon.
        public var connectTimeout: Duration = .seconds(15)
        /// How long `close()` lets in-flight calls finish before closing the handle. Default 2 s:
        /// the C library loses completions of calls in flight at close (swift-interop §3.5).
        public var closeDrainTimeout: Duration = .seconds(2)
        /// How often the C library may look the host names up again while connected. Its default
        /// is on every poll of its socket: a netlink round trip and a read of /dev/urandom about
        /// twice per request, a fifth of the client's CPU under load. Default 60 s: a coordinator
        /// renumbered in DNS is still found within a minute, and a lost connection always looks
        /// the names up again at once.
        public var hostResolutionInterval: Duration = .seconds(60)
        /// The C library's own log level, process-wide (the library has only one). Default warn:
        /// at info it prints several lines per connect and close.
        public var libraryLogLevel: Logger.Level = .warning
        public var logger: Logger = Logger(label: "pvc.zookeeper")
        /// Set only to take over an existing session (`expireSessionForTesting`).
        var resumedSession: clientid_t?

        public init(hosts: String, chroot: String? = nil) {
            self.hosts = hosts
            self.chroot = chroot
        }

        /// The host list with the chroot appended, as the C library takes it.
        var connectString: String {
            guard let chroot, chroot != "/" else { return hosts }
            return hosts + chroot
        }

        var cLogLevel: ZooLogLevel {
            switch libraryLogLevel {
            case .trace, .debug: return ZOO_LOG_LEVEL_DEBUG
            case .info, .notice: return ZOO_LOG_LEVEL_INFO
            case .warning: return ZOO_LOG_LEVEL_WARN
            case .error, .critical: return ZOO_LOG_LEVEL_ERROR
            }
        }
    }
}

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
