/// What to do with a fenced node's VMs. PVC knows exactly these two words; anything else in its config silently means
/// "none", which is why we reject it instead.
public enum FenceAction: String, Sendable, Equatable, CaseIterable {
    case migrate
    case none
}
