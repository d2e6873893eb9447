/// A ZooKeeper connect string split into its host list and chroot. The C library would accept the
/// chroot inside the string, but our client checks that a chroot exists only when given
/// separately, and a missing chroot must be reported, not silently written under.
struct ConnectTarget: Equatable {
    var hosts: String
    var chroot: String?

    init(_ connectString: String) {
        guard let slash = connectString.firstIndex(of: "/") else {
            hosts = connectString
            chroot = nil
            return
        }
        hosts = String(connectString[..<slash])
        let path = String(connectString[slash...])
        chroot = path == "/" ? nil : path
    }
}
