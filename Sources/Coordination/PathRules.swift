/// ZooKeeper's path rules, checked before a call leaves the process so that a bad path gets a
/// clear `invalidPath` error naming the path, the same from every store.
public enum PathRules {
    /// Throws `invalidPath` unless `path` is absolute, has no trailing slash (but for "/"), no empty,
    /// "." or ".." segment and no control characters.
    public static func validate(_ path: String) throws(CoordinationError) {
        guard path.hasPrefix("/") else {
            throw CoordinationError(.invalidPath, path: path, detail: "a path must start with '/'")
        }
        if path == "/" { return }
        if path.hasSuffix("/") {
            throw CoordinationError(.invalidPath, path: path, detail: "a path must not end with '/'")
        }
        for segment in path.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            if segment.isEmpty {
                throw CoordinationError(.invalidPath, path: path, detail: "empty path segment")
            }
            if segment == "." || segment == ".." {
                throw CoordinationError(.invalidPath, path: path, detail: "relative segment '\(segment)'")
            }
        }
        if path.unicodeScalars.contains(where: { $0.value < 0x20 || ($0.value >= 0x7f && $0.value <= 0x9f) }) {
            throw CoordinationError(.invalidPath, path: path, detail: "control character in path")
        }
    }

    /// Throws `dataTooLarge` for data over `CoordinationLimits.maxDataSize`.
    public static func validate(data: [UInt8], for path: String) throws(CoordinationError) {
        if data.count > CoordinationLimits.maxDataSize {
            throw CoordinationError(.dataTooLarge, path: path,
                                    detail: "\(data.count) bytes, the limit is \(CoordinationLimits.maxDataSize)")
        }
    }

    /// The parent of an absolute, valid path; nil for "/".
    public static func parent(of path: String) -> String? {
        guard path != "/", let slash = path.lastIndex(of: "/") else { return nil }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The last segment of an absolute, valid path ("" for "/").
    public static func name(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// `parent` + "/" + `child`, without doubling the slash under the root.
    public static func join(_ parent: String, _ child: String) -> String {
        parent == "/" ? "/" + child : parent + "/" + child
    }
}
