/// Limits shared by every store, so that the in-memory store refuses what real ZooKeeper refuses.
public enum CoordinationLimits {
    /// ZooKeeper's `jute.maxbuffer` is 1 MiB for a whole request packet; data that would not fit
    /// with the request header and path makes the server drop the connection rather than answer.
    /// We refuse it on the client with a clear error instead: 1 MiB less 1 KiB of headroom.
    public static let maxDataSize = 1_048_576 - 1024
}
