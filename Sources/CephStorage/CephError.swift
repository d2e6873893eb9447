import Glibc

/// A failed librados/librbd call, with the call's own negative errno, so callers can tell "the
/// lock is already gone" (ENOENT) from "Ceph did not answer" (ETIMEDOUT) when deciding whether a
/// fence may proceed.
public struct CephError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The C call (`rados_connect`, `rbd_break_lock`, ...) or our own step that failed.
    public let operation: String
    /// The image (`pool/name`), pool or address concerned, or "".
    public let target: String
    /// `-errno` as librados returns it.
    public let code: Int32
    /// strerror's text, or our own explanation for failures librados did not report.
    public let message: String

    public init(operation: String, target: String = "", code: Int32, message: String? = nil) {
        self.operation = operation
        self.target = target
        self.code = code
        self.message = message ?? Self.errorText(code)
    }

    public var isNotFound: Bool { code == -ENOENT }

    /// Ceph's own timeouts and ours (a call that outlived its bound) look the same to callers:
    /// the cluster did not answer in time.
    public var isTimeout: Bool { code == -ETIMEDOUT }

    /// The connection was closed before (or while) the call was made.
    public var isClosed: Bool { code == -ESHUTDOWN }

    public var description: String {
        let subject = target.isEmpty ? operation : "\(operation) on \(target)"
        return "\(subject): \(message) (\(code))"
    }

    static func errorText(_ code: Int32) -> String {
        guard let text = strerror(code < 0 ? -code : code) else { return "error \(code)" }
        return String(cString: text)
    }

    /// Our own bound fired: librados may still be working on it on its thread.
    static func timedOut(_ operation: String, _ target: String, after bound: Duration) -> CephError {
        CephError(
            operation: operation, target: target, code: -ETIMEDOUT,
            message: "no answer within \(bound) (our own bound)")
    }

    static func closed(_ operation: String, _ target: String) -> CephError {
        CephError(operation: operation, target: target, code: -ESHUTDOWN, message: "the Ceph connection is closed")
    }
}
