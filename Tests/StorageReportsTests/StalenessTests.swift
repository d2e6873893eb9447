import ClusterSchema
import Testing
@testable import StorageReports

@Suite struct StalenessTests {
    @Test(arguments: [
        (0, "1970-01-01 00:00:00 UTC"), (1_795_234_567, "2026-11-21 04:16:07 UTC"),
        (951_782_400, "2000-02-29 00:00:00 UTC"), (4_102_444_799, "2099-12-31 23:59:59 UTC"),
        (-1, "1969-12-31 23:59:59 UTC"),
    ])
    func utcTime(seconds: Int, text: String) {
        #expect(StorageStaleness.utcTime(seconds) == text)
    }

    @Test func staleMarks() throws {
        let stale = StorageStaleness(lastSuccess: 1_795_234_567, reason: "status: no answer within 1 s")
        #expect(stale.updated.rendered
            == #"{"last_success":1795234567,"reason":"status: no answer within 1 s","stale":true}"#)
        let marked = stale.statusText(Fixtures.status)
        #expect(marked == "STALE: no answer from Ceph since 2026-11-21 04:16:07 UTC (status: no answer within 1 s); "
            + "the status below is from then\n" + Fixtures.status)
        // Marking again (another reason) replaces the line instead of stacking a second one.
        let again = StorageStaleness(lastSuccess: 1_795_234_567, reason: "connection refused").statusText(marked)
        #expect(again.split(separator: "\n").filter { $0.hasPrefix("STALE: ") }.count == 1)
        #expect(again.hasSuffix("\n" + Fixtures.status))
        // Fresh: Ceph's text, unmarked.
        let fresh = StorageStaleness(lastSuccess: 1_795_234_600, reason: nil)
        #expect(fresh.statusText(marked) == Fixtures.status)
        #expect(fresh.updated.rendered == #"{"last_success":1795234600,"reason":"","stale":false}"#)
    }

    @Test func withoutAnyKnownSuccessAndWithAMultiLineReason() {
        let stale = StorageStaleness(lastSuccess: nil, reason: "a\nb")
        #expect(stale.updated.rendered == #"{"last_success":null,"reason":"a\nb","stale":true}"#)
        #expect(stale.statusText("") == "STALE: no answer from Ceph since this node took over (a b); "
            + "the status below is from then\n")
    }

    @Test func lastSuccessIsReadBackFromWhatWasPublished() {
        let published = StorageStaleness(lastSuccess: 42, reason: "x").updated.rendered
        #expect(StorageStaleness.lastSuccess(publishedIn: published) == 42)
        #expect(StorageStaleness.lastSuccess(publishedIn: nil) == nil)
        #expect(StorageStaleness.lastSuccess(publishedIn: "") == nil)
        #expect(StorageStaleness.lastSuccess(publishedIn: "{\"last_success\":") == nil)
        #expect(StorageStaleness.lastSuccess(publishedIn: #"{"last_success":null}"#) == nil)
    }

    @Test func marksAreWrittenOncePerOutageAndAgainOnlyWhenTheReasonChanges() {
        var tracker = StalenessTracker(lastSuccess: 10)
        #expect(tracker.succeeded(at: 15) == .stillFresh)
        #expect(tracker.failed("timeout") == .becameStale)
        #expect(tracker.current == StorageStaleness(lastSuccess: 15, reason: "timeout"))
        #expect(tracker.failed("timeout") == .stillStale)
        #expect(tracker.failed("refused") == .reasonChanged)
        #expect(tracker.failed("refused") == .stillStale)
        #expect(tracker.current.lastSuccess == 15)
        #expect(tracker.succeeded(at: 40) == .recovered)
        #expect(tracker.current == StorageStaleness(lastSuccess: 40, reason: nil))
        #expect(tracker.succeeded(at: 45) == .stillFresh)
    }

    @Test func aNewPrimaryFindingCephDownSaysSinceWhen() {
        var tracker = StalenessTracker(lastSuccess: 1_795_234_567)
        #expect(tracker.failed("no answer") == .becameStale)
        #expect(tracker.current.staleLine.contains("since 2026-11-21 04:16:07 UTC"))
    }
}
