import Foundation
import LocalServices
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The Prometheus endpoint: served only when `metrics.listen_address` is set, with the node's
/// daemon state, its ZooKeeper session state and its keepalive durations.
@Suite(.timeLimit(.minutes(2))) struct MetricsEndpointTests {
    @Test func aConfiguredNodeServesItsMetrics() async throws {
        let cluster = try await TestCluster.make()
        try await withFleet { fleet in
            let port = try #require(MetricsProbe.freePort())
            let config = cluster.config(node: "hv1") + """
                metrics:
                  listen_address: "127.0.0.1:\(port)"

                """
            let daemon = try fleet.start(name: "hv1", config: config)
            #expect(await cluster.waitFor("/nodes/hv1/daemonstate", toBe: "run"), "log:\n\(daemon.log)")

            // The state is exported after the transaction that commits it; poll briefly.
            var text = ""
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline {
                text = MetricsProbe.get(port: port, path: "/metrics")?.body ?? ""
                if MetricsProbe.sample(text, "pvcnoded_daemon_state{state=\"run\"}") == 1,
                   (MetricsProbe.sample(text, "pvcnoded_keepalive_duration_seconds_count") ?? 0) > 0 { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            let response = try #require(MetricsProbe.get(port: port, path: "/metrics"), "log:\n\(daemon.log)")
            #expect(response.head.hasPrefix("HTTP/1.1 200"))
            #expect(response.head.lowercased().contains("content-type: text/plain; version=0.0.4"))
            #expect(MetricsProbe.sample(text, "pvcnoded_daemon_state{state=\"run\"}") == 1, "metrics:\n\(text)")
            #expect(MetricsProbe.sample(text, "pvcnoded_daemon_state{state=\"init\"}") == 0, "metrics:\n\(text)")
            #expect(MetricsProbe.sample(text, "pvcnoded_zookeeper_session_state{state=\"connected\"}") == 1,
                    "metrics:\n\(text)")
            #expect((MetricsProbe.sample(text, "pvcnoded_keepalive_duration_seconds_count") ?? 0) > 0,
                    "metrics:\n\(text)")
            #expect(MetricsProbe.sample(text, "pvcnoded_keepalive_failures_total") == 0, "metrics:\n\(text)")

            let missing = try #require(MetricsProbe.get(port: port, path: "/"))
            #expect(missing.head.hasPrefix("HTTP/1.1 404"))
            // The same look-up the unconfigured test relies on finds exactly this socket.
            #expect(MetricsProbe.listeningSockets(pid: daemon.pid) == 1)

            // A graceful stop closes the endpoint with the daemon.
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: .seconds(60)) == 0, "log:\n\(daemon.log)")
            #expect(MetricsProbe.connectRefused(port: port))
        }
        await cluster.close()
    }

    @Test func anUnconfiguredNodeListensOnNothing() async throws {
        let cluster = try await TestCluster.make()
        try await withFleet { fleet in
            let port = try #require(MetricsProbe.freePort())
            let daemon = try fleet.start(name: "hv1", config: cluster.config(node: "hv1"))
            #expect(await cluster.waitFor("/nodes/hv1/daemonstate", toBe: "run"), "log:\n\(daemon.log)")
            #expect(MetricsProbe.connectRefused(port: port))
            #expect(MetricsProbe.listeningSockets(pid: daemon.pid) == 0)
            #expect(!daemon.log.contains("metrics endpoint"))
        }
        await cluster.close()
    }

    /// A port already taken: the failure is logged and the node runs on without metrics.
    @Test func aBindFailureLeavesTheNodeRunning() async throws {
        let cluster = try await TestCluster.make()
        let occupier = try #require(MetricsProbe.listen())
        defer { close(occupier.fd) }
        try await withFleet { fleet in
            let config = cluster.config(node: "hv1") + """
                metrics:
                  listen_address: "127.0.0.1:\(occupier.port)"

                """
            let daemon = try fleet.start(name: "hv1", config: config)
            #expect(await cluster.waitFor("/nodes/hv1/daemonstate", toBe: "run"), "log:\n\(daemon.log)")
            #expect(daemon.log.contains("metrics endpoint disabled"), "log:\n\(daemon.log)")
            #expect(daemon.log.contains("127.0.0.1:\(occupier.port)"))
        }
        await cluster.close()
    }
}

/// A plain socket client and a few /proc look-ups; every read is bounded.
enum MetricsProbe {
    /// A socket listening on 127.0.0.1 at a port the kernel chose.
    static func listen() -> (fd: Int32, port: Int)? {
        guard let socket = bindLoopback() else { return nil }
        guard Glibc.listen(socket.fd, 4) == 0 else {
            close(socket.fd)
            return nil
        }
        return socket
    }

    /// A TCP socket bound to 127.0.0.1 at a port the kernel chose, not listening: connections to
    /// it are refused while it holds the port.
    static func bindLoopback() -> (fd: Int32, port: Int)? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard bound == 0, named == 0 else {
            close(fd)
            return nil
        }
        return (fd, Int(UInt16(bigEndian: actual.sin_port)))
    }

    /// A port free a moment ago (the probe socket is closed again).
    static func freePort() -> Int? {
        guard let probe = listen() else { return nil }
        close(probe.fd)
        return probe.port
    }

    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        return address
    }

    /// Connects to 127.0.0.1:`port`: the descriptor, or the errno.
    static func connect(port: Int) -> Result<Int32, POSIXError> {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(POSIXError(.EMFILE)) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if connected != 0 {
            let code = errno
            close(fd)
            return .failure(POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO))
        }
        return .success(fd)
    }

    static func connectRefused(port: Int) -> Bool {
        switch connect(port: port) {
        case .success(let fd):
            close(fd)
            return false
        case .failure(let error):
            return error.code == .ECONNREFUSED
        }
    }

    /// One request; the response's head and body, read until the server closes (at most 1 MiB).
    static func get(port: Int, path: String) -> (head: String, body: String)? {
        guard case .success(let fd) = connect(port: port) else { return nil }
        defer { close(fd) }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == request.count else { return nil }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        let deadline = ContinuousClock.now + .seconds(5)
        while response.count < 1 << 20 && ContinuousClock.now < deadline {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            response += chunk[..<count]
        }
        let text = String(decoding: response, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { return nil }
        return (String(text[..<split.lowerBound]), String(text[split.upperBound...]))
    }

    /// The value of a sample in exposition text, named with its labels as written.
    static func sample(_ text: String, _ name: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// How many TCP sockets in LISTEN state the process holds, from its descriptors' inodes.
    static func listeningSockets(pid: Int32) -> Int {
        let fdDirectory = "/proc/\(pid)/fd"
        var inodes: Set<String> = []
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: fdDirectory)) ?? [] {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(fdDirectory)/\(entry)"),
                  target.hasPrefix("socket:[") else { continue }
            inodes.insert(String(target.dropFirst("socket:[".count).dropLast()))
        }
        var listening = 0
        for table in ["/proc/\(pid)/net/tcp", "/proc/\(pid)/net/tcp6"] {
            guard let text = ProcFile.text(table) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                // sl local remote st ... inode is the tenth field.
                guard fields.count > 9, fields[3] == "0A", inodes.contains(String(fields[9])) else { continue }
                listening += 1
            }
        }
        return listening
    }
}
