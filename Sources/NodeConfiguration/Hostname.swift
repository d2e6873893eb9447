#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The default node name, as PVC derives it: the host name up to its first dot.
public enum Hostname {
    public static func short() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        let full = String(decoding: bytes, as: UTF8.self)
        return shortName(of: full)
    }

    static func shortName(of full: String) -> String {
        let short = full.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)
        guard let short, !short.isEmpty else { return "localhost" }
        return short
    }
}
