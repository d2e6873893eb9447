/// The node's memory as the keepalive reports it: PVC's `memtotal`, `memused` and `memfree`, in
/// MiB, with "free" meaning what the kernel could hand out now (MemAvailable), as psutil's
/// `available` which PVC writes.
public struct MemoryInfo: Sendable, Equatable {
    public var totalMiB: Int
    public var availableMiB: Int

    public init(totalMiB: Int, availableMiB: Int) {
        self.totalMiB = totalMiB
        self.availableMiB = availableMiB
    }

    /// Total less available, so that used and free add up to the total in every report.
    public var usedMiB: Int { max(0, totalMiB - availableMiB) }

    /// Parses `/proc/meminfo`. Kernels before 3.14 have no MemAvailable; there free + buffers +
    /// cached is the usual estimate.
    public static func parse(procMeminfo text: String) throws(HostStatsError) -> MemoryInfo {
        var fields: [Substring: Int] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon]
            let value = line[line.index(after: colon)...].split(separator: " ")
            guard let number = value.first.flatMap({ Int($0) }), number >= 0 else {
                throw HostStatsError.malformed(source: "/proc/meminfo", detail: "field \(name) is '\(value.joined(separator: " "))'")
            }
            let unit = value.dropFirst().first
            guard unit == nil || unit == "kB" else {
                throw HostStatsError.malformed(source: "/proc/meminfo", detail: "field \(name) has unit '\(unit ?? "")'")
            }
            fields[name] = number
        }
        guard let totalKiB = fields["MemTotal"] else {
            throw HostStatsError.malformed(source: "/proc/meminfo", detail: "no MemTotal line")
        }
        let availableKiB: Int
        if let available = fields["MemAvailable"] {
            availableKiB = available
        } else if let free = fields["MemFree"] {
            availableKiB = free + (fields["Buffers"] ?? 0) + (fields["Cached"] ?? 0)
        } else {
            throw HostStatsError.malformed(source: "/proc/meminfo", detail: "neither MemAvailable nor MemFree")
        }
        return MemoryInfo(totalMiB: totalKiB / 1024, availableMiB: min(availableKiB, totalKiB) / 1024)
    }
}
