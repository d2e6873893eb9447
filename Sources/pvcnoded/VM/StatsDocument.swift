import Hypervisor

/// PVC's per-VM `stats` JSON (pvc-node-daemon.md §4.2), which its API and CLI display: the same
/// field names and units (memory in KiB, times in nanoseconds). Keys are written in a fixed
/// order so an unchanged VM gives an unchanged text and is not rewritten.
enum StatsDocument {
    static func json(_ stats: DomainStats) -> String {
        let memory = stats.memoryStats.sorted { $0.key < $1.key }
            .map { "\(quoted($0.key.replacing("-", with: "_"))): \($0.value)" }
        let cpu = [
            "\"cpu_time\": \(stats.cpuTimeNanoseconds ?? 0)",
            "\"user_time\": \(stats.cpuUserNanoseconds ?? 0)",
            "\"system_time\": \(stats.cpuSystemNanoseconds ?? 0)",
        ]
        let disks = stats.disks.map { disk in
            object([
                "\"name\": \(quoted(disk.name))", "\"rd_req\": \(disk.readRequests)", "\"rd_bytes\": \(disk.readBytes)",
                "\"wr_req\": \(disk.writeRequests)", "\"wr_bytes\": \(disk.writeBytes)", "\"err\": \(disk.errors)",
            ])
        }
        let interfaces = stats.interfaces.map { interface in
            object([
                "\"name\": \(quoted(interface.name))", "\"bridge\": \"\"",
                "\"rd_bytes\": \(interface.receivedBytes)", "\"rd_packets\": \(interface.receivedPackets)",
                "\"rd_errors\": \(interface.receiveErrors)", "\"rd_drops\": \(interface.receiveDrops)",
                "\"wr_bytes\": \(interface.transmittedBytes)", "\"wr_packets\": \(interface.transmittedPackets)",
                "\"wr_errors\": \(interface.transmitErrors)", "\"wr_drops\": \(interface.transmitDrops)",
            ])
        }
        return object([
            "\"state\": \(quoted(stats.state.description))",
            "\"maxmem\": \(stats.balloonMaximumKiB ?? 0)",
            "\"livemem\": \(stats.balloonCurrentKiB ?? 0)",
            "\"cpus\": \(stats.vcpuCurrent ?? 0)",
            "\"cputime\": \(stats.cpuTimeNanoseconds ?? 0)",
            "\"mem_stats\": \(object(memory))",
            "\"cpu_stats\": \(object(cpu))",
            "\"disk_stats\": [\(disks.joined(separator: ", "))]",
            "\"net_stats\": [\(interfaces.joined(separator: ", "))]",
        ])
    }

    private static func object(_ members: [String]) -> String {
        "{" + members.joined(separator: ", ") + "}"
    }

    /// A JSON string: quotes, backslashes and control characters escaped.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}
