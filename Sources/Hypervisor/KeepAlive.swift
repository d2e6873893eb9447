/// libvirt's keepalive on remote connections (`virConnectSetKeepAlive`): a message every
/// `interval`, and the connection is declared dead after `count` unanswered ones, so a
/// libvirtd that vanished without closing its socket is noticed within about
/// `interval * (count + 1)` instead of at the next call's timeout.
public struct KeepAlive: Sendable, Hashable {
    public var intervalSeconds: Int32
    public var count: UInt32

    public init(intervalSeconds: Int32 = 5, count: UInt32 = 3) {
        self.intervalSeconds = intervalSeconds
        self.count = count
    }

    public static let `default` = KeepAlive()
}
