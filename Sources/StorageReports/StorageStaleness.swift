import ClusterSchema

/// What marks the published Ceph statistics as stale when a round gets no answer from Ceph, so
/// an operator reading `/ceph` sees at once that the text is old and since when, instead of
/// silently old figures.
///
/// Two marks: our extension key `/ceph/updated` holds
/// `{"last_success": EPOCH-SECONDS-or-null, "reason": "...", "stale": true|false}`, and the
/// `/ceph` status text gets one first line
/// `STALE: no answer from Ceph since 2026-11-22 04:23:36 UTC (REASON); the status below is from then`.
public struct StorageStaleness: Sendable, Equatable {
    /// When the last complete round ended (Unix seconds); nil when this node has none to go by.
    public var lastSuccess: Int?
    /// Why the current round failed; nil when it succeeded (the statistics are fresh).
    public var reason: String?

    public init(lastSuccess: Int?, reason: String?) {
        self.lastSuccess = lastSuccess
        self.reason = reason
    }

    public var isStale: Bool { reason != nil }

    /// The document for `/ceph/updated`.
    public var updated: JSONValue {
        .object([
            "last_success": lastSuccess.map { .integer($0) } ?? .null,
            "stale": .bool(isStale),
            "reason": .string(reason ?? ""),
        ])
    }

    public static let stalePrefix = "STALE: "

    /// The line put above a stale status text.
    public var staleLine: String {
        let since = lastSuccess.map(Self.utcTime) ?? "this node took over"
        return "\(Self.stalePrefix)no answer from Ceph since \(since) (\(Self.oneLine(reason ?? "unknown"))); "
            + "the status below is from then"
    }

    /// The `/ceph` text for `status`, the last status text published: marked when stale, and
    /// unmarked when fresh. An earlier mark (from this node or a previous primary) is replaced,
    /// never stacked.
    public func statusText(_ status: String) -> String {
        let unmarked = Self.unmarked(status)
        return isStale ? staleLine + "\n" + unmarked : unmarked
    }

    /// `text` without a leading STALE line.
    public static func unmarked(_ text: String) -> String {
        guard text.hasPrefix(stalePrefix) else { return text }
        guard let newline = text.firstIndex(of: "\n") else { return "" }
        return String(text[text.index(after: newline)...])
    }

    /// Reads what a previous primary published in `/ceph/updated`, so a new primary that finds
    /// Ceph down still says since when; nil for anything else (absent, empty, garbage).
    public static func lastSuccess(publishedIn updated: String?) -> Int? {
        guard let updated, let json = try? JSONValue.parse(updated) else { return nil }
        return json["last_success"]?.integer
    }

    /// "2026-11-22 04:23:36 UTC" for Unix seconds, without Foundation (Howard Hinnant's
    /// days-to-civil algorithm, proleptic Gregorian).
    public static func utcTime(_ epochSeconds: Int) -> String {
        let days = epochSeconds >= 0 ? epochSeconds / 86_400 : (epochSeconds - 86_399) / 86_400
        let secondsOfDay = epochSeconds - days * 86_400
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(two(month))-\(two(day)) \(two(secondsOfDay / 3600)):\(two(secondsOfDay % 3600 / 60)):"
            + "\(two(secondsOfDay % 60)) UTC"
    }

    /// A reason must not break the one-line mark.
    static func oneLine(_ text: String) -> String {
        String(text.map { $0 == "\n" || $0 == "\r" ? " " : $0 })
    }
}

/// Decides, round by round, when the staleness marks are written and when the change is logged:
/// once when the statistics go stale, again only if the reason changes, and once on recovery,
/// so an outage of hours writes and logs a handful of times, not once per keepalive.
public struct StalenessTracker: Sendable, Equatable {
    public enum Change: Sendable, Equatable {
        /// Fresh before and now: publish normally, nothing to log.
        case stillFresh
        /// This round failed after a success (or at the start): write the marks, warn once.
        case becameStale
        /// Still failing, for a different reason: write the marks again, no new warning.
        case reasonChanged
        /// Still failing for the same reason: the marks are already there.
        case stillStale
        /// Succeeded after failing: publish normally, note the recovery once.
        case recovered
    }

    public private(set) var current: StorageStaleness

    /// `lastSuccess`: what is known of the last success before this tracker's first round (for a
    /// new primary: what the previous primary published).
    public init(lastSuccess: Int? = nil) {
        current = StorageStaleness(lastSuccess: lastSuccess, reason: nil)
    }

    public mutating func succeeded(at epochSeconds: Int) -> Change {
        let wasStale = current.isStale
        current = StorageStaleness(lastSuccess: epochSeconds, reason: nil)
        return wasStale ? .recovered : .stillFresh
    }

    public mutating func failed(_ reason: String) -> Change {
        let previous = current.reason
        current.reason = reason
        switch previous {
        case nil: return .becameStale
        case reason: return .stillStale
        default: return .reasonChanged
        }
    }
}
