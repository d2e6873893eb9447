/// One `guest_networking.sriov_device` entry. PVC's code reads the device as `phy` while its sample writes `device`;
/// we accept both (see the parser) and call it `phy`, the name PVC's code and older samples use.
public struct SRIOVDevice: Sendable, Equatable {
    public var phy: String
    /// Unset means "leave the device's MTU alone", as PVC.
    public var mtu: Int?
    public var vfCount: Int

    public init(phy: String, mtu: Int? = nil, vfCount: Int) {
        self.phy = phy
        self.mtu = mtu
        self.vfCount = vfCount
    }
}
