import CLibvirt
import Glibc

/// libvirt's default event loop, registered once per process and run forever on a thread of
/// its own. Lifecycle events, the close callback and keepalive all need it, and it must be
/// registered before the first connection is opened or that connection never gets any of them.
enum LibvirtEventLoop {
    /// Registration runs exactly once (a global's initializer is lazy and thread-safe).
    private static let registration: Result<Void, HypervisorError> = register()

    static func start() throws(HypervisorError) {
        try registration.get()
    }

    private static func register() -> Result<Void, HypervisorError> {
        guard virInitialize() == 0 else { return .failure(HypervisorError.last("virInitialize")) }
        // Without a handler every failure is also printed on stderr; errors are reported
        // through HypervisorError instead.
        virSetErrorFunc(nil, { _, _ in })
        guard virEventRegisterDefaultImpl() == 0 else {
            return .failure(HypervisorError.last("virEventRegisterDefaultImpl"))
        }
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let rc = pthread_create(&thread, &attributes, { _ in
            // Runs for the life of the process: connections may be opened at any time, and
            // libvirt offers no way to unregister the default implementation.
            var reported = false
            while true {
                if virEventRunDefaultImpl() < 0 {
                    // Not expected. Said once on stderr (no logger reaches this C-started thread);
                    // a short pause keeps a persistent failure from spinning a core.
                    if !reported {
                        reported = true
                        let message = virGetLastErrorMessage().map { String(cString: $0) } ?? "unknown error"
                        let line = Array("libvirt event loop iteration failed (events may be late): \(message)\n".utf8)
                        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
                    }
                    usleep(10_000)
                }
            }
        }, nil)
        guard rc == 0 else {
            return .failure(.eventLoopUnavailable("pthread_create failed with \(rc)"))
        }
        return .success(())
    }
}
