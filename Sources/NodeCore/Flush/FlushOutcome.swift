/// How one VM's part in a flush or a ready ended.
public enum FlushOutcome: Sendable, Equatable {
    /// Flush: it runs on (or is assigned to) this other node now. Ready: it came home (the node
    /// is this one).
    case moved(to: String)
    /// Flush: no target; it was shut down with `node_autostart` `True` (started again on ready).
    case shutDown
    /// Ready: an autostart VM assigned here was told to start (not waited for, as PVC).
    case started
    /// Ready: a VM that is not running came home on paper (`node` here, `lastnode` ""), its state
    /// left alone.
    case reassigned
    /// Nothing to do for it (not running here, or no longer ours); why.
    case nothingToDo(String)
    /// Flush: it could not leave; ready: it could not come home. Why, as written to its
    /// `failedreason` (or as the node that failed it wrote there).
    case failed(String)

    public var isFailure: Bool {
        if case .failed = self { return true }
        return false
    }

    /// A few words for a note.
    public var summary: String {
        switch self {
        case .moved(let node): "moved to \(node)"
        case .shutDown: "shut down (autostart)"
        case .started: "start written"
        case .reassigned: "home on paper"
        case .nothingToDo(let why): "nothing to do (\(why))"
        case .failed(let why): "FAILED (\(why))"
        }
    }
}
