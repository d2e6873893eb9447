import Foundation
import VMCluster

/// What `migration` and `flush` share: milliseconds figures, the daemons' log lines, and the
/// checks of where libvirt really runs a guest.
enum VMBench {
    static func milliseconds(_ duration: Duration) -> Double { duration.seconds * 1000 }

    /// A figure in ms (or s) with `places` decimals, or null when there is none.
    static func figure(_ value: Double?, places: Int = 1) -> JSONValue {
        guard let value, value.isFinite else { return .null }
        return .number(rounded(value, places: places))
    }

    static func medianFigure(_ values: [Double], places: Int = 1) -> JSONValue {
        figure(values.isEmpty ? nil : median(values), places: places)
    }

    /// The 99th percentile (nearest rank) through the helper the other benchmarks use.
    static func p99Figure(_ millisecondValues: [Double], places: Int = 1) -> JSONValue {
        guard !millisecondValues.isEmpty else { return .null }
        let durations = millisecondValues.map { Duration.nanoseconds(Int64(($0 * 1e6).rounded())) }
        return figure(LatencySummary(durations).p99Microseconds / 1000, places: places)
    }

    /// One line of a daemon's log (`[date ]level label: key=value … message`), as its
    /// `key=value` fields.
    static func fields(ofLogLine line: Substring) -> [String: String] {
        var fields: [String: String] = [:]
        for token in line.split(separator: " ") {
            guard let equals = token.firstIndex(of: "="), equals != token.startIndex else { continue }
            fields[String(token[..<equals])] = String(token[token.index(after: equals)...])
        }
        return fields
    }

    /// The lines of `node`'s daemon log that contain `marker`, in order.
    static func logLines(_ cluster: VMCluster, node: String, containing marker: String) -> [Substring] {
        guard let log = cluster.fleet.daemon(node)?.log else { return [] }
        return log.split(separator: "\n").filter { $0.contains(marker) }
    }

    /// Waits (reading the log file, at most `timeout`) until `node`'s log has more than `count`
    /// lines with `marker`; returns them all.
    static func waitForLogLines(_ cluster: VMCluster, node: String, containing marker: String, moreThan count: Int,
                                timeout: Duration = .seconds(5)) async -> [Substring] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let lines = logLines(cluster, node: node, containing: marker)
            if lines.count > count || ContinuousClock.now >= deadline { return lines }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The lines of every daemon's log that contain one of `markers` (for a failure message).
    static func logExcerpt(_ cluster: VMCluster, markers: [String], last: Int = 20) -> String {
        VMCluster.nodeNames.map { node in
            let lines = (cluster.fleet.daemon(node)?.log ?? "").split(separator: "\n")
                .filter { line in markers.contains { line.contains($0) } }
                .suffix(last)
            return "--- \(node)\n" + lines.joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// Defines `count` TCG guests on `node` and starts them; returns once libvirt runs each of
    /// them on `node` alone.
    static func defineAndStart(_ cluster: VMCluster, names: [String], node: String,
                               memoryMiB: Int) async throws -> [String] {
        var uuids: [String] = []
        for name in names {
            let uuid = try await cluster.define(name: name, node: node, memoryMiB: memoryMiB)
            _ = try await cluster.client.start(uuid)
            uuids.append(uuid)
        }
        for (name, uuid) in zip(names, uuids) {
            guard try await cluster.waitForState(uuid, "start", node: node, timeout: .seconds(120)),
                  try await cluster.eventually(timeout: .seconds(120), { try await cluster.runningOn(uuid) == [node] })
            else {
                let running = (try? await cluster.runningOn(uuid)) ?? []
                throw BenchError("VM \(name) (\(uuid)) did not come up on \(node) alone (runs on \(running), state "
                                 + "\(await cluster.value("/domains/\(uuid)/state") ?? "-"))\n\(cluster.logTails())")
            }
        }
        return uuids
    }
}
