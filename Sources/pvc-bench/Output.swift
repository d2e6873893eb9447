import Foundation
import Glibc

/// Progress lines, on stderr only: stdout carries the JSON line alone.
enum Progress {
    static func log(_ message: String) {
        FileHandle.standardError.write(Data("pvc-bench: \(message)\n".utf8))
    }

    static func seconds(since start: ContinuousClock.Instant) -> String {
        let elapsed = ContinuousClock.now - start
        return "\(rounded(elapsed.seconds, places: 2)) s"
    }
}

/// A JSON value, rendered with sorted keys so that runs can be diffed line by line.
enum JSONValue {
    case integer(Int)
    case number(Double)
    case string(String)
    case object([String: JSONValue])
    case array([JSONValue])
    /// A figure that does not exist (a failed run's time), rather than a made-up number.
    case null

    var rendered: String {
        switch self {
        case .integer(let value):
            return String(value)
        case .number(let value):
            return value.isFinite ? String(describing: value) : "null"
        case .string(let value):
            return Self.quoted(value)
        case .object(let fields):
            let body = fields.keys.sorted().map { key in
                "\(Self.quoted(key)):\(fields[key].map(\.rendered) ?? "null")"
            }
            return "{" + body.joined(separator: ",") + "}"
        case .array(let values):
            return "[" + values.map(\.rendered).joined(separator: ",") + "]"
        case .null:
            return "null"
        }
    }

    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// Writes the result line to stdout and flushes it.
func emitResult(_ fields: [String: JSONValue]) {
    let line = JSONValue.object(fields).rendered + "\n"
    FileHandle.standardOutput.write(Data(line.utf8))
}

func rounded(_ value: Double, places: Int) -> Double {
    let scale = (0..<places).reduce(1.0) { product, _ in product * 10 }
    return (value * scale).rounded() / scale
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    var microseconds: Double { seconds * 1e6 }
}

/// Median and 99th percentile of latency samples (nearest rank).
struct LatencySummary {
    let medianMicroseconds: Double
    let p99Microseconds: Double

    init(_ samples: [Duration]) {
        let sorted = samples.map(\.microseconds).sorted()
        medianMicroseconds = Self.percentile(sorted, 0.50)
        p99Microseconds = Self.percentile(sorted, 0.99)
    }

    /// "median/p99" in µs, one decimal.
    var text: String { "\(rounded(medianMicroseconds, places: 1))/\(rounded(p99Microseconds, places: 1))" }

    private static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}

/// The median of a few measurements (rounds), the mean of the middle two when their count is even.
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// This process's resident set (VmRSS in /proc/self/status), in MiB.
func residentMiB() -> Double? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 2, let kibibytes = Double(fields[1]) else { return nil }
        return kibibytes / 1024
    }
    return nil
}

/// The compiler this binary was built with.
let swiftVersion: String = {
    #if compiler(>=6.5)
    return "6.5+"
    #elseif compiler(>=6.4)
    return "6.4"
    #elseif compiler(>=6.3)
    return "6.3"
    #elseif compiler(>=6.2)
    return "6.2"
    #elseif compiler(>=6.1)
    return "6.1"
    #else
    return "6.0"
    #endif
}()

/// The process's CPU time and context switches so far (all threads: the Swift pool, the C
/// library's IO and completion threads, the C baseline's driver).
struct ProcessUsage {
    let cpu: Duration
    let contextSwitches: Int

    static func now() -> ProcessUsage {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return ProcessUsage(cpu: .zero, contextSwitches: 0) }
        let user = Duration.seconds(usage.ru_utime.tv_sec) + .microseconds(usage.ru_utime.tv_usec)
        let system = Duration.seconds(usage.ru_stime.tv_sec) + .microseconds(usage.ru_stime.tv_usec)
        return ProcessUsage(cpu: user + system, contextSwitches: usage.ru_nvcsw + usage.ru_nivcsw)
    }

    static func - (after: ProcessUsage, before: ProcessUsage) -> ProcessUsage {
        ProcessUsage(cpu: after.cpu - before.cpu, contextSwitches: after.contextSwitches - before.contextSwitches)
    }
}
