import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a service started by the project's scripts keeps its files: the caller's directory, or
/// a new unique one that the service then owns (and its script removes). The scripts recognise
/// their processes by this path on the command line.
struct ServiceDirectory {
    let path: String
    /// Made here, so removed with the service.
    let owned: Bool

    /// `given`, or a new directory `<base>/<prefix>-XXXXXX` (base: the system temporary
    /// directory, or a short one where unix socket paths must stay short).
    init(_ given: String?, prefix: String, base: String = FileManager.default.temporaryDirectory.path) throws {
        if let given {
            path = given
            owned = false
            return
        }
        let template = (base as NSString).appendingPathComponent("\(prefix)-XXXXXX")
        var buffer = Array(template.utf8CString)
        let made = buffer.withUnsafeMutableBufferPointer { pointer -> Bool in
            guard let address = pointer.baseAddress else { return false }
            return mkdtemp(address) != nil
        }
        guard made else {
            throw LocalServiceError.temporaryDirectoryFailed(path: template, errno: errno)
        }
        path = buffer.withUnsafeBufferPointer { pointer in
            pointer.baseAddress.map { String(cString: $0) } ?? template
        }
        owned = true
    }
}
