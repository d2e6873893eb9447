import NodeCore
import Testing

@Suite struct StartLockCheckTests {
    static func lock(_ volume: String, _ host: String, cookie: String = "auto 139800") -> VolumeLock {
        VolumeLock(volume: volume, cookie: cookie, client: "client.4166", host: host)
    }

    @Test func noLocksStartsFreeingNothing() {
        #expect(StartLockCheck.verdict(locks: [], ownAddress: "10.0.2.1") == .free([]))
        #expect(StartLockCheck.verdict(locks: [], ownAddress: nil) == .free([]))
    }

    @Test func ownStaleLocksAreFreed() {
        let locks = [Self.lock("vms/a", "10.0.2.1"), Self.lock("vms/b", "10.0.2.1", cookie: "crash")]
        #expect(StartLockCheck.verdict(locks: locks, ownAddress: "10.0.2.1") == .free(locks))
    }

    /// One foreign lock among own ones refuses the start and frees nothing, with PVC's words.
    @Test func aForeignLockRefusesWithPVCsReason() {
        let locks = [Self.lock("vms/a", "10.0.2.1"), Self.lock("vms/b", "10.0.2.2", cookie: "auto 77")]
        #expect(StartLockCheck.verdict(locks: locks, ownAddress: "10.0.2.1") == .refuse(
            reason: "Could not safely free RBD lock auto 77 (10.0.2.2) on volume vms/b; stop VM and flush locks manually"))
    }

    /// Without its own address a node cannot prove a lock is its own.
    @Test func anUnknownOwnAddressMakesEveryLockForeign() {
        let verdict = StartLockCheck.verdict(locks: [Self.lock("vms/a", "10.0.2.1")], ownAddress: nil)
        guard case .refuse = verdict else {
            Issue.record("expected a refusal, got \(verdict)")
            return
        }
    }

    @Test(arguments: [
        ("", [String]()),
        ("vms/a", ["vms/a"]),
        ("vms/a,vms/b", ["vms/a", "vms/b"]),
        ("vms/a,", ["vms/a"]),
        (" vms/a , ,vms/b ", ["vms/a", "vms/b"]),
    ])
    func rbdListParsing(text: String, expected: [String]) {
        #expect(StartLockCheck.volumes(inList: text) == expected)
    }
}
