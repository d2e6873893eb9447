/// The node's floating addresses, as the daemon's runtime drives them during a primary
/// handover: the new primary `add`s each address (and announces it) before the old primary
/// `remove`s it, so both calls must be safe to repeat.
public protocol HostNetwork: Sendable {
    /// Configures `address` on its device and announces it to the segment (gratuitous ARP for
    /// IPv4). An address that is already there counts as added, and is announced again.
    func add(_ address: FloatingAddress) async throws(HostNetworkError)

    /// Removes `address` from its device; an address that is not there counts as removed.
    func remove(_ address: FloatingAddress) async throws(HostNetworkError)

    /// Every address on `device`, link-local ones included, in the order the kernel lists them.
    func addresses(on device: String) async throws(HostNetworkError) -> [FloatingAddress]
}
