import Coordination

/// What the lifecycle core asks its runtime to do.
public enum Directive: Sendable, Equatable {
    /// Apply these operations as one transaction, then report `onWriteSucceeded`/`onWriteFailed`
    /// with the same purpose.
    case write(WritePurpose, [Operation])
    /// Registration failed: look again at whether the node exists, then call `onStarted` again.
    /// The core cannot know whether a lost reply means the transaction committed.
    case retryStartup
    /// End the session; the daemon has nothing more to write.
    case closeSession
}
