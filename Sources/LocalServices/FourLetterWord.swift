#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sends a ZooKeeper four-letter word over a plain socket.
///
/// A plain socket rather than `nc` keeps the tests independent of which netcat is installed,
/// and the deadline covers a frozen (SIGSTOPped) server, whose kernel still accepts the
/// connection but never answers.
enum FourLetterWord {
    static func send(_ word: String, host: String, port: Int, timeout: Double) throws -> String {
        let address = "\(host):\(port)"
        func failure(_ reason: String) -> LocalServiceError {
            .fourLetterWordFailed(word: word, address: address, reason: reason)
        }
        func errnoFailure(_ what: String, _ code: Int32 = errno) -> LocalServiceError {
            failure("\(what): \(String(cString: strerror(code)))")
        }

        let deadline = Monotonic.now() + timeout
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw errnoFailure("socket") }
        defer { close(fd) }

        func wait(_ events: Int16, _ what: String) throws {
            switch waitReady(fd, for: events, until: deadline) {
            case nil: return
            case ETIMEDOUT?: throw failure("no \(what) within \(timeout) s")
            case let code?: throw errnoFailure("poll", code)
            }
        }

        // Non-blocking, so that connect, write and read all honour the one deadline via poll.
        let flags = fcntl(fd, F_GETFL, 0)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else {
            throw errnoFailure("fcntl")
        }

        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
        guard inet_pton(AF_INET, host, &sin.sin_addr) == 1 else {
            throw failure("not an IPv4 address: \(host)")
        }
        let connected = withUnsafePointer(to: &sin) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if connected != 0 {
            guard errno == EINPROGRESS else { throw errnoFailure("connect") }
            try wait(Int16(POLLOUT), "connection")
            var socketError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &socketError, &length) == 0 else {
                throw errnoFailure("getsockopt")
            }
            if socketError != 0 {
                throw failure("connect: \(String(cString: strerror(socketError)))")
            }
        }

        var request = Array(word.utf8)
        while !request.isEmpty {
            let written = request.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written > 0 {
                request.removeFirst(written)
            } else if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                try wait(Int16(POLLOUT), "room to write")
            } else {
                throw errnoFailure("write")
            }
        }

        // The server answers and closes the connection; read until EOF.
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                reply.append(contentsOf: buffer[0..<count])
            } else if count == 0 {
                break
            } else if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR {
                try wait(Int16(POLLIN), "complete reply")
            } else if errno == ECONNRESET && !reply.isEmpty {
                break
            } else {
                throw errnoFailure("read")
            }
        }
        return String(decoding: reply, as: UTF8.self)
    }

    /// Waits until `fd` is ready for `events`; returns nil then, or the errno that stopped the
    /// wait (ETIMEDOUT when the deadline passed).
    private static func waitReady(_ fd: Int32, for events: Int16, until deadline: Double) -> Int32? {
        while true {
            let remaining = deadline - Monotonic.now()
            guard remaining > 0 else { return ETIMEDOUT }
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&entry, 1, Int32(min(remaining * 1000, 60_000).rounded(.up)))
            if ready > 0 { return nil }
            if ready < 0 && errno != EINTR { return errno }
        }
    }
}

/// Seconds on a clock that wall-clock adjustments cannot move.
enum Monotonic {
    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1_000_000_000
    }
}
