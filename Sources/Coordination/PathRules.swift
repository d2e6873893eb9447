/// ZooKeeper's path rules, checked before a call leaves the process so that a bad path gets a
/// clear `invalidPath` error naming the path, the same from every store.
public enum PathRules {
    /// Throws `invalidPath` unless `path` is absolute, has no trailing slash (but for "/"), no empty,
    /// "." or ".." segment and no control characters. One pass over the bytes, no allocation: it
    /// runs before every call.
    public static func validate(_ path: String) throws(CoordinationError) {
        var bytes = path.utf8.makeIterator()
        guard bytes.next() == UInt8(ascii: "/") else {
            throw CoordinationError(.invalidPath, path: path, detail: "a path must start with '/'")
        }
        if path.utf8.count == 1 { return }
        // Length of the current segment, and whether it is all dots so far.
        var segmentLength = 0
        var segmentDots = 0
        func endSegment() throws(CoordinationError) {
            if segmentLength == 0 {
                throw CoordinationError(.invalidPath, path: path, detail: "empty path segment")
            }
            if segmentDots == segmentLength && segmentLength <= 2 {
                throw CoordinationError(.invalidPath, path: path,
                                        detail: "relative segment '\(String(repeating: ".", count: segmentLength))'")
            }
        }
        while let byte = bytes.next() {
            if byte == UInt8(ascii: "/") {
                try endSegment()
                segmentLength = 0
                segmentDots = 0
                continue
            }
            if byte < 0x20 || byte == 0x7f {
                throw CoordinationError(.invalidPath, path: path, detail: "control character in path")
            }
            segmentLength += 1
            if byte == UInt8(ascii: ".") { segmentDots += 1 }
        }
        if segmentLength == 0 {
            throw CoordinationError(.invalidPath, path: path, detail: "a path must not end with '/'")
        }
        try endSegment()
        // C1 control characters (U+0080 to U+009F) are two bytes in UTF-8: 0xC2 then 0x80...0x9F.
        if path.utf8.contains(0xC2), path.unicodeScalars.contains(where: { $0.value >= 0x80 && $0.value <= 0x9f }) {
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

    /// Checks every operation of a transaction as a single call would be checked; the error names
    /// the refused operation's index in `failedOperation`.
    public static func validate(operations: [Operation]) throws(CoordinationError) {
        for (index, operation) in operations.enumerated() {
            do throws(CoordinationError) {
                try validate(operation.path)
                switch operation {
                case .create(let path, let data, _), .set(let path, let data, _):
                    try validate(data: data, for: path)
                case .delete, .check:
                    break
                }
            } catch {
                var refused = error
                refused.failedOperation = index
                throw refused
            }
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
