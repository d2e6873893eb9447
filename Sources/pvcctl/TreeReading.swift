import Coordination
import Foundation

/// How pvcctl reads figures out of key texts (the reads themselves are `CoordinationStore.text`/`texts`).
enum TreeReading {
    /// An integer, tolerating surrounding whitespace and a fractional part ("1700000000.5").
    static func integer(_ text: String?) -> Int? {
        guard let trimmed = text?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else {
            return nil
        }
        if let value = Int(trimmed) { return value }
        guard let value = Double(trimmed), value.isFinite, abs(value) < 1e15 else { return nil }
        return Int(value.rounded(.down))
    }

    static func number(_ text: String?) -> Double? {
        guard let trimmed = text?.trimmingCharacters(in: .whitespacesAndNewlines),
              let value = Double(trimmed), value.isFinite else { return nil }
        return value
    }
}
