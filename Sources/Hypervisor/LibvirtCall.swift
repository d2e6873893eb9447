import CLibvirt
import DedicatedThreads

/// Runs one libvirt call on a dedicated thread with a bound, so it never parks a thread of the
/// cooperative pool, and reads libvirt's per-thread last error on that same thread.
enum LibvirtCall {
    enum Outcome<T: Sendable>: Sendable {
        case finished(Result<T, HypervisorError>)
        /// The connection was already dead: the call was not attempted, so it may be retried on
        /// a new connection.
        case connectionDead
    }

    static func run<T: Sendable>(
        _ call: String, on connection: LibvirtConnection, timeout: Duration,
        _ body: @escaping @Sendable (OpaquePointer) -> Result<T, HypervisorError>
    ) async -> Outcome<T> {
        let outcome = await DedicatedThread.run(timeout: timeout, { () -> Outcome<T> in
            guard connection.isAlive else {
                connection.health.markDead()
                return .connectionDead
            }
            virResetLastError()
            let result = body(connection.pointer)
            if case .failure = result, virConnectIsAlive(connection.pointer) != 1 {
                // The call broke the connection (libvirtd died, socket closed): the next call
                // reconnects instead of failing the same way.
                connection.health.markDead()
            }
            return .finished(result)
        }, late: { _ in })
        return outcome ?? .finished(.failure(.timedOut(call: call, after: timeout)))
    }

    /// Looks the domain up by UUID and runs `body` with it; the lookup's failure (e.g.
    /// VIR_ERR_NO_DOMAIN) is returned as is.
    static func withDomain<T>(
        _ connection: OpaquePointer, _ uuid: String, _ body: (OpaquePointer) -> Result<T, HypervisorError>
    ) -> Result<T, HypervisorError> {
        guard let domain = virDomainLookupByUUIDString(connection, uuid) else {
            return .failure(.last("virDomainLookupByUUIDString"))
        }
        defer { virDomainFree(domain) }
        return body(domain)
    }
}
