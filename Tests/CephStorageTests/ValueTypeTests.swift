import CephStorage
import Testing

@Suite struct ValueTypeTests {
    @Test func imageParsing() {
        #expect(RBDImage(parsing: "rbd/vm1-disk0") == RBDImage(pool: "rbd", name: "vm1-disk0"))
        #expect(RBDImage(parsing: "rbd/vm1-disk0")?.description == "rbd/vm1-disk0")
        for bad in ["", "rbd", "/x", "rbd/", "a/b/c", "/"] {
            #expect(RBDImage(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test func lockerHost() {
        func host(_ address: String) -> String { RBDLocker(client: "client.1", cookie: "c", address: address).host }
        #expect(host("127.0.0.1:0/2822428233") == "127.0.0.1")
        #expect(host("v1:10.0.0.5:0/1") == "10.0.0.5")
        #expect(host("v2:10.0.0.5:6800/1") == "10.0.0.5")
        #expect(host("[::1]:0/77") == "::1")
        #expect(host("v2:[fd00::2]:0/77") == "fd00::2")
    }

    @Test func errorDescription() {
        let error = CephError(operation: "rbd_break_lock", target: "rbd/vm1-disk0", code: -2)
        #expect(error.description == "rbd_break_lock on rbd/vm1-disk0: No such file or directory (-2)")
        #expect(error.isNotFound)
        #expect(!error.isTimeout)
        #expect(CephError(operation: "rados_connect", code: -110).isTimeout)
    }
}
