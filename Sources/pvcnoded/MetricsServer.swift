import DedicatedThreads
import Glibc
import Logging
import NodeConfiguration
import ServiceLifecycle
import Synchronization

/// Why the metrics endpoint could not listen: the step and the system's error.
struct MetricsServerError: Error, CustomStringConvertible {
    var step: String
    var code: Int32

    var description: String {
        code == 0 ? step : "\(step): \(String(cString: strerror(code))) (errno \(code))"
    }
}

/// A minimal HTTP/1.1 responder over a POSIX listening socket: one request per connection,
/// `GET /metrics` answered with the exposition text, anything else with 404. Connections are
/// served one at a time on the accepting thread; every read and write is bounded, so a client
/// that stalls holds the endpoint for at most a few seconds.
final class MetricsServer: Sendable {
    /// How long a client may take to send its request, and each write may block.
    static let ioTimeout: Duration = .seconds(2)
    /// A scrape request is a few hundred bytes; anything longer is not one.
    static let maximumRequest = 8192

    private struct Socket {
        var fd: Int32
        var closed = false
    }

    private let socket: Mutex<Socket>
    private let stopping = Atomic<Bool>(false)
    private let fd: Int32
    let address: ListenAddress

    /// Binds `address` (a numeric address or a host name resolved here) and listens.
    init(binding address: ListenAddress) throws {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var found: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(address.host, String(address.port), &hints, &found)
        guard resolved == 0, let first = found else {
            throw MetricsServerError(step: "cannot resolve \(address.host): \(String(cString: gai_strerror(resolved)))",
                                     code: 0)
        }
        defer { freeaddrinfo(first) }
        var lastError = MetricsServerError(step: "no address to bind", code: 0)
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        var bound: Int32 = -1
        while let info = candidate, bound < 0 {
            candidate = info.pointee.ai_next
            let fd = Glibc.socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
                                  0)
            guard fd >= 0 else {
                lastError = MetricsServerError(step: "socket", code: errno)
                continue
            }
            var one: Int32 = 1
            _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            if Glibc.bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) != 0 {
                lastError = MetricsServerError(step: "bind \(address)", code: errno)
                close(fd)
                continue
            }
            if listen(fd, 16) != 0 {
                lastError = MetricsServerError(step: "listen \(address)", code: errno)
                close(fd)
                continue
            }
            bound = fd
        }
        guard bound >= 0 else { throw lastError }
        fd = bound
        socket = Mutex(Socket(fd: bound))
        self.address = address
    }

    /// Accepts and answers until `stop`; closes the listening socket before returning. Blocks:
    /// run it on a thread of its own.
    func serve(logger: Logger, render: @Sendable () -> [UInt8]) {
        defer {
            socket.withLock { socket in
                socket.closed = true
                close(socket.fd)
            }
        }
        while !stopping.load(ordering: .acquiring) {
            // Glibc's module does not export accept4; the descriptor is marked close-on-exec at
            // once, so a re-executing daemon does not carry a client's connection into its new image.
            let connection = accept(fd, nil, nil)
            if connection >= 0 { _ = fcntl(connection, F_SETFD, FD_CLOEXEC) }
            if connection < 0 {
                let code = errno
                if stopping.load(ordering: .acquiring) { return }
                switch code {
                case EINTR, ECONNABORTED, EAGAIN, EPROTO:
                    continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    // Out of descriptors or memory: wait for some to be freed rather than spin.
                    logger.warning("metrics endpoint: accept failed, pausing",
                                   metadata: ["error": "\(MetricsServerError(step: "accept", code: code))"])
                    usleep(250_000)
                    continue
                default:
                    logger.error("metrics endpoint: accept failed, endpoint closed",
                                 metadata: ["error": "\(MetricsServerError(step: "accept", code: code))"])
                    return
                }
            }
            answer(connection, render: render)
            close(connection)
        }
    }

    /// Makes `serve` return: shutting the listening socket down wakes a blocked `accept`.
    func stop() {
        stopping.store(true, ordering: .releasing)
        socket.withLock { socket in
            if !socket.closed { _ = shutdown(socket.fd, Int32(SHUT_RDWR)) }
        }
    }

    private func answer(_ connection: Int32, render: () -> [UInt8]) {
        var timeout = timeval(tv_sec: Int(Self.ioTimeout.components.seconds), tv_usec: 0)
        _ = setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(connection, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let request = readRequest(connection) else { return }
        let response: [UInt8]
        if Self.isMetricsRequest(request) {
            let body = render()
            response = Array(("HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                + "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n").utf8) + body
        } else {
            let body = Array("not found\n".utf8)
            response = Array(("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n").utf8) + body
        }
        write(response, to: connection)
    }

    /// The request head, or nil if the client sent none within the timeout.
    private func readRequest(_ connection: Int32) -> [UInt8]? {
        let deadline = ContinuousClock.now + Self.ioTimeout
        var request: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 2048)
        while ContinuousClock.now < deadline && request.count < Self.maximumRequest {
            let count = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            request += chunk[..<count]
            if Self.headComplete(request) { return request }
        }
        // A request line is enough to answer, even if the head was cut short.
        return request.contains(UInt8(ascii: "\n")) ? request : nil
    }

    private func write(_ bytes: [UInt8], to connection: Int32) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { raw in
                send(connection, raw.baseAddress.map { $0 + offset }, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { return }
            offset += sent
        }
    }

    static func headComplete(_ request: [UInt8]) -> Bool {
        let terminator: [UInt8] = [13, 10, 13, 10]
        guard request.count >= 4 else { return false }
        for start in 0...(request.count - 4) where request[start..<start + 4].elementsEqual(terminator) {
            return true
        }
        return false
    }

    /// `GET /metrics` (a query string is ignored), any HTTP version.
    static func isMetricsRequest(_ request: [UInt8]) -> Bool {
        let line = request.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }
        let words = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true)
        guard words.count == 3, words[0].elementsEqual("GET".utf8),
              words[2].starts(with: "HTTP/".utf8) else { return false }
        let path = words[1].prefix { $0 != UInt8(ascii: "?") }
        return path.elementsEqual("/metrics".utf8)
    }
}

/// The metrics endpoint as a service of the daemon's group: listens only when configured, logs a
/// bind failure and lets the daemon run without it, and closes its socket on shutdown.
struct MetricsService: Service {
    var address: ListenAddress
    var metrics: NodeMetrics
    var logger: Logger

    func run() async {
        let server: MetricsServer
        do {
            server = try MetricsServer(binding: address)
        } catch {
            logger.error("metrics endpoint disabled: cannot listen; the daemon runs without it",
                         metadata: ["address": "\(address)", "error": "\(error)"])
            return
        }
        logger.info("metrics endpoint listening", metadata: ["address": "\(address)"])
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await DedicatedThread.run { [logger, metrics] in
                    server.serve(logger: logger) { metrics.render() }
                }
            } onGracefulShutdown: {
                server.stop()
            }
        } onCancel: {
            server.stop()
        }
        logger.info("metrics endpoint closed", metadata: ["address": "\(address)"])
    }
}
