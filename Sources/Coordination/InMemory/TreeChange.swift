/// One effect of a committed write on the tree, in the order ZooKeeper applies them; the watch
/// registry turns each into the events ZooKeeper's `DataTree` would trigger.
enum TreeChange: Sendable, Equatable {
    case created(String)
    case deleted(String)
    case dataChanged(String)
}
