import Foundation
import Glibc
import LocalServices

/// What /proc says about one process: resident set, CPU time, and the local ports of its TCP
/// connections to given remote ports.
enum ProcFS {
    /// Clock ticks per second, the unit of utime and stime in /proc/PID/stat.
    static let ticksPerSecond: Double = {
        let ticks = sysconf(Int32(_SC_CLK_TCK))
        return ticks > 0 ? Double(ticks) : 100
    }()

    /// The whole of a /proc file (every page of a TCP table, not the first one only).
    static func read(_ path: String) -> String? {
        ProcFile.text(path)
    }

    /// VmRSS of `pid` in MiB; nil when the process is gone.
    static func residentMiB(_ pid: Int32) -> Double? {
        guard let status = read("/proc/\(pid)/status") else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kibibytes = Double(fields[1]) else { return nil }
            return kibibytes / 1024
        }
        return nil
    }

    /// utime + stime of `pid` in seconds; nil when the process is gone.
    static func cpuSeconds(_ pid: Int32) -> Double? {
        guard let stat = read("/proc/\(pid)/stat"),
              let commEnd = stat.lastIndex(of: ")") else { return nil }
        // After "PID (comm) ": field 3 (state) is index 0, so utime (14) and stime (15) are 11 and 12.
        let fields = stat[stat.index(after: commEnd)...].split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / ticksPerSecond
    }

    /// The local ports of `pid`'s established TCP connections whose remote port is in
    /// `remotePorts`: the socket inodes among its file descriptors, looked up in its network
    /// namespace's /proc/PID/net/tcp and tcp6.
    static func localPorts(of pid: Int32, toRemotePorts remotePorts: Set<Int>) -> Set<Int> {
        let fdDirectory = "/proc/\(pid)/fd"
        guard let descriptors = try? FileManager.default.contentsOfDirectory(atPath: fdDirectory) else { return [] }
        var inodes: Set<String> = []
        for descriptor in descriptors {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(fdDirectory)/\(descriptor)"),
                  target.hasPrefix("socket:["), target.hasSuffix("]") else { continue }
            inodes.insert(String(target.dropFirst("socket:[".count).dropLast()))
        }
        guard !inodes.isEmpty else { return [] }
        var ports: Set<Int> = []
        for table in ["tcp", "tcp6"] {
            guard let text = read("/proc/\(pid)/net/\(table)") else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
                guard fields.count > 9, fields[3] == "01", inodes.contains(String(fields[9])),
                      let local = port(fields[1]), let remote = port(fields[2]),
                      remotePorts.contains(remote) else { continue }
                ports.insert(local)
            }
        }
        return ports
    }

    /// "0100007F:D431" → 54321.
    private static func port(_ address: Substring) -> Int? {
        guard let colon = address.lastIndex(of: ":") else { return nil }
        return Int(address[address.index(after: colon)...], radix: 16)
    }

    /// Whether `pid` is still running (not gone, not a zombie).
    static func isAlive(_ pid: Int32) -> Bool {
        guard let status = read("/proc/\(pid)/status") else { return false }
        for line in status.split(separator: "\n") where line.hasPrefix("State:") {
            return !line.contains("Z") && !line.contains("X")
        }
        return true
    }
}

/// One connection as ZooKeeper's `cons` four-letter word lists it:
/// ` /127.0.0.1:54321[1](queued=0,recved=12,sent=12,sid=0x1000...,lop=PING,...,lcxid=0x5,...)`.
struct ServerConnection {
    let clientPort: Int
    let sessionID: String
    /// Packets the server received on this connection: requests and pings.
    let received: Int
    /// The last client xid answered: the C client numbers its requests 1, 2, 3, ...; pings and
    /// other special packets carry negative xids, which the server does not record here.
    let lastClientXid: Int64

    /// Every connection with a session in a `cons` reply (the four-letter word's own connection
    /// has none and is skipped).
    static func parse(_ reply: String) -> [ServerConnection] {
        var connections: [ServerConnection] = []
        for line in reply.split(whereSeparator: \.isNewline) {
            guard let open = line.range(of: "]("), let close = line.lastIndex(of: ")") else { continue }
            let address = line[..<open.lowerBound]
            guard let bracket = address.lastIndex(of: "["), let colon = address[..<bracket].lastIndex(of: ":"),
                  let port = Int(address[address.index(after: colon)..<bracket]) else { continue }
            var fields: [Substring: Substring] = [:]
            for pair in line[open.upperBound..<close].split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { fields[parts[0]] = parts[1] }
            }
            guard let sid = fields["sid"], let recved = fields["recved"].flatMap({ Int($0) }) else { continue }
            let xid = fields["lcxid"].flatMap(hex) ?? 0
            connections.append(ServerConnection(clientPort: port, sessionID: String(sid), received: recved,
                                                lastClientXid: xid))
        }
        return connections
    }

    /// "0x1f" → 31; "0xffffffffffffffff" → -1.
    private static func hex(_ text: Substring) -> Int64? {
        let digits = text.hasPrefix("0x") ? text.dropFirst(2) : text
        return UInt64(digits, radix: 16).map { Int64(bitPattern: $0) }
    }
}

/// Sends a four-letter word to `host:port` (any address family) and returns the reply; blocking,
/// bounded by `timeout` seconds per socket call.
func sendFourLetterWord(_ word: String, host: String, port: Int, timeout: Int = 3) throws -> String {
    var hints = addrinfo()
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    hints.ai_family = AF_UNSPEC
    var list: UnsafeMutablePointer<addrinfo>?
    let rc = getaddrinfo(host, String(port), &hints, &list)
    guard rc == 0, let first = list else {
        throw BenchError("cannot resolve \(host): \(String(cString: gai_strerror(rc)))")
    }
    defer { freeaddrinfo(first) }
    var lastError = "no address"
    var entry: UnsafeMutablePointer<addrinfo>? = first
    while let current = entry {
        entry = current.pointee.ai_next
        let fd = socket(current.pointee.ai_family, current.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue),
                        current.pointee.ai_protocol)
        guard fd >= 0 else {
            lastError = "socket: \(String(cString: strerror(errno)))"
            continue
        }
        defer { close(fd) }
        var bound = timeval(tv_sec: timeout, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &bound, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &bound, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, current.pointee.ai_addr, current.pointee.ai_addrlen) == 0 else {
            lastError = "connect: \(String(cString: strerror(errno)))"
            continue
        }
        let request = Array(word.utf8)
        let written = request.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == request.count else {
            lastError = "write: \(String(cString: strerror(errno)))"
            continue
        }
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 8192)
        var failed = false
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                reply.append(contentsOf: buffer[0..<count])
            } else if count == 0 || (errno == ECONNRESET && !reply.isEmpty) {
                break
            } else if errno == EINTR {
                continue
            } else {
                lastError = "read: \(String(cString: strerror(errno)))"
                failed = true
                break
            }
        }
        if !failed { return String(decoding: reply, as: UTF8.self) }
    }
    throw BenchError("four-letter word '\(word)' to \(host):\(port) failed: \(lastError)")
}
