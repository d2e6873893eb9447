/// The networks whose floating address the primary holds, in PVC's handover order: upstream in
/// phase C, cluster and storage in phase D.
public enum FloatingNetwork: String, Sendable, Equatable, CaseIterable, Comparable {
    case upstream
    case cluster
    case storage

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }
}
