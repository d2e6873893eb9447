/// PVC's two daemon modes. Coordinators run the cluster's shared services and may become primary; hypervisors only
/// run VMs.
public enum DaemonMode: String, Sendable, Equatable, CaseIterable {
    case coordinator
    case hypervisor
}
