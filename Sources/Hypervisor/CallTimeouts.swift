/// The bound of each kind of libvirt call. A call that outlives its bound is reported as
/// `HypervisorError.timedOut`; its thread is left to finish on its own (libvirt calls cannot be
/// interrupted), holding its own reference to the connection.
public struct CallTimeouts: Sendable, Hashable {
    /// Opening a connection, including the socket connect and the RPC handshake.
    public var connect: Duration
    /// State, info, lists and stats: answered from libvirtd's memory, normally in milliseconds.
    public var query: Duration
    /// Create, shutdown request and destroy: qemu is started or signalled.
    public var lifecycle: Duration
    /// A whole live migration; the caller picks it from the guest's memory size and link speed.
    public var migrate: Duration

    public init(
        connect: Duration = .seconds(10), query: Duration = .seconds(10),
        lifecycle: Duration = .seconds(30), migrate: Duration = .seconds(300)
    ) {
        self.connect = connect
        self.query = query
        self.lifecycle = lifecycle
        self.migrate = migrate
    }

    public static let `default` = CallTimeouts()
}
