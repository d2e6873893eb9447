import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// pvcnoded.service is `Type=notify`: these play systemd's side of sd_notify(3), a datagram
/// socket named in `$NOTIFY_SOCKET`, and check what the daemon tells it and when.
@Suite(.timeLimit(.minutes(3))) struct SystemdNotifyTests {
    @Test("READY=1 comes once the node is in run, STOPPING=1 on SIGTERM")
    func readyOnceRunningStoppingOnSigterm() async throws {
        let cluster = try await TestCluster.make()
        let listener = try NotifyListener(abstract: false)
        defer { listener.close() }
        try await withFleet { fleet in
            let daemon = try fleet.start(name: "hv1", config: cluster.config(node: "hv1"),
                                         environment: ["NOTIFY_SOCKET": listener.address])
            let ready = await listener.waitFor("READY=1", timeout: .seconds(60))
            #expect(ready != nil, "no READY=1; messages: \(listener.messages); log:\n\(daemon.log)")
            // Sent after the write: whoever systemd lets start next finds the node in run.
            #expect(await cluster.value("/nodes/hv1/daemonstate") == "run")
            #expect(ready?.contains("STATUS=run (coordinator)") == true, "\(ready ?? "")")
            let first = listener.messages.first ?? ""
            #expect(first.hasPrefix("STATUS=connecting to ZooKeeper at "), "\(listener.messages)")
            #expect(listener.messages.filter { $0.contains("READY=1") }.count == 1, "\(listener.messages)")

            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: .seconds(60)) == 0, "log:\n\(daemon.log)")
            #expect(listener.messages.last?.hasPrefix("STOPPING=1") == true, "\(listener.messages)")
            #expect(await cluster.value("/nodes/hv1/daemonstate") == "stop")
        }
        await cluster.close()
    }

    @Test("an abstract socket name (@…) works; a ZooKeeper never reached gives STATUS lines, no READY=1")
    func abstractSocketAndNoReadinessWithoutZooKeeper() async throws {
        let listener = try NotifyListener(abstract: true)
        defer { listener.close() }
        // A port bound (nobody else takes it) but not listening, so connections are refused: the
        // daemon keeps trying, as systemd's TimeoutStartSec=infinity lets it, and says so in its status.
        let closed = try #require(MetricsProbe.bindLoopback())
        defer { close(closed.fd) }
        let port = closed.port
        let config = """
            node:
              name: hv1
            cluster:
              name: test
              coordinator_nodes: [hv1]
            database:
              zookeeper:
                connect: "127.0.0.1:\(port)"
            timer:
              keepalive_interval: 1

            """
        try await withFleet { fleet in
            let daemon = try fleet.start(name: "hv1", config: config,
                                         environment: ["NOTIFY_SOCKET": listener.address])
            let status = await listener.waitFor("STATUS=connecting to ZooKeeper at 127.0.0.1:\(port)",
                                                timeout: .seconds(60))
            #expect(status != nil, "messages: \(listener.messages); log:\n\(daemon.log)")
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: .seconds(60)) == 0, "log:\n\(daemon.log)")
            #expect(!listener.messages.contains { $0.contains("READY=1") }, "\(listener.messages)")
            #expect(listener.messages.last?.hasPrefix("STOPPING=1") == true, "\(listener.messages)")
        }
    }
}

/// systemd's end of the notify protocol: a bound datagram socket whose messages are collected
/// by a thread of its own.
final class NotifyListener: @unchecked Sendable {
    /// `$NOTIFY_SOCKET`'s value: a path, or '@' and an abstract name.
    let address: String
    private let descriptor: Int32
    private let path: String?
    private let lock = NSLock()
    private var received: [String] = []
    private var closed = false

    init(abstract: Bool) throws {
        let name = "pvcnoded-notify-\(UUID().uuidString.prefix(8))"
        path = abstract ? nil : NSTemporaryDirectory() + name
        address = path ?? "@" + name
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EMFILE) }
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(address.utf8)
        if abstract { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
        let length = socklen_t(2 + bytes.count + (abstract ? 0 : 1))
        let bound = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else {
            Glibc.close(descriptor)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EINVAL)
        }
        // A receive wakes up at least every 200 ms, so close() is noticed.
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        Thread.detachNewThread { [self] in receive() }
    }

    var messages: [String] {
        lock.withLock { received }
    }

    /// The first message containing `field`, polled until `timeout`.
    func waitFor(_ field: String, timeout: Duration) async -> String? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let message = messages.first(where: { $0.split(separator: "\n").contains { $0.hasPrefix(field) } }) {
                return message
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    func close() {
        lock.withLock { closed = true }
        if let path { unlink(path) }
    }

    private func receive() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !lock.withLock({ closed }) {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                let message = String(decoding: buffer[..<count], as: UTF8.self)
                lock.withLock { received.append(message) }
            }
        }
        Glibc.close(descriptor)
    }
}
