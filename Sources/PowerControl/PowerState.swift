/// A chassis power state as a BMC reports it.
public enum PowerState: String, Sendable, Equatable {
    case on
    case off
}
