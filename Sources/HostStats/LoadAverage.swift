/// The 1-minute load average, which PVC writes as `cpuload` rounded to two decimals and which
/// target selection compares between nodes.
public struct LoadAverage: Sendable, Equatable {
    public var oneMinute: Double

    public init(oneMinute: Double) {
        self.oneMinute = oneMinute
    }

    /// As PVC writes it: `str(round(load, 2))`. Swift and Python both print a double as its
    /// shortest round-tripping form ("0.5", "1.0", "2.69"), so the text matches.
    public var cpuloadText: String {
        String((oneMinute * 100).rounded() / 100)
    }

    /// Parses `/proc/loadavg` ("0.52 0.58 0.59 1/467 12345").
    public static func parse(procLoadavg text: String) throws(HostStatsError) -> LoadAverage {
        guard let first = text.split(separator: " ").first, let value = Double(first), value >= 0, value.isFinite else {
            throw HostStatsError.malformed(source: "/proc/loadavg", detail: "'\(text.prefix(64))'")
        }
        return LoadAverage(oneMinute: value)
    }
}
