import CLibvirt
import CRBD
import CRados
import CZooKeeper
import Testing

/// The system-library modules import, link and call into the installed C libraries: the shells of
/// later issues stand on these bindings.
@Suite struct CBindingsTests {
    @Test func libvirtOpensItsTestDriverAndListsItsDomain() throws {
        var version: UInt = 0
        #expect(virGetVersion(&version, nil, nil) == 0)
        #expect(version >= 9_000_000, "libvirt \(version) is older than Debian 12's 9.0")
        let connection = try #require(virConnectOpen("test:///default"))
        defer { virConnectClose(connection) }
        var domains: UnsafeMutablePointer<virDomainPtr?>?
        let count = virConnectListAllDomains(connection, &domains, 0)
        #expect(count == 1, "libvirt's default test driver defines one domain")
        if let domains {
            for index in 0..<Int(max(count, 0)) {
                if let domain = domains[index] { virDomainFree(domain) }
            }
            free(domains)
        }
        // The cast shim for domain event callbacks imports and yields a callable pointer.
        let callback: virConnectDomainEventCallback = { _, _, _, _, _ in 0 }
        _ = cvirt_lifecycle_callback(callback)
    }

    @Test func radosAndRbdReportTheirVersionsAndRadosRefusesToConnectWithoutMonitors() {
        var major: Int32 = 0, minor: Int32 = 0, extra: Int32 = 0
        rados_version(&major, &minor, &extra)
        #expect(major >= 3)
        rbd_version(&major, &minor, &extra)
        #expect(major >= 1)
        var cluster: rados_t?
        #expect(rados_create(&cluster, "admin") == 0)
        defer { rados_shutdown(cluster) }
        // No configuration file and no monitor address: refused at once (-ENOENT), not a hang.
        #expect(rados_conf_set(cluster, "mon_host", "") == 0)
        #expect(rados_connect(cluster) < 0)
    }

    @Test func zookeeperExposesTheMultithreadedAPI() {
        // THREADED in the shim makes the synchronous API visible; the ACL accessor replaces a
        // mutable global Swift 6 refuses.
        let acl = czk_open_acl_unsafe()
        #expect(acl?.pointee.count == 1)
        #expect(ZOO_EPHEMERAL == 1 && ZOO_SEQUENCE == 2)
        let _: (OpaquePointer?, UnsafePointer<CChar>?) -> Int32 = { zh, path in zoo_exists(zh, path, 0, nil) }
    }
}
