import ClusterSchema
import Testing
@testable import StorageReports

@Suite struct SnapshotTests {
    @Test func aHealthyRoundIsCompleteAndPublishesCephsTextsUnchanged() throws {
        let snapshot = StorageSnapshot(try healthyAnswers())
        #expect(snapshot.isComplete)
        #expect(snapshot.status == Fixtures.status)
        #expect(snapshot.health == Fixtures.health)
        #expect(snapshot.utilization == Fixtures.dfText)
        #expect(snapshot.pools?.count == 3)
        #expect(snapshot.osds?["0"]?["pgs"] == .integer(17))
    }

    @Test func failedAndMalformedAnswersAreNamedAndTheirPartsLeftOut() throws {
        var answers = try healthyAnswers()
        answers.dfText = .failed("timed out after 1 s")
        answers.health = .text("HEALTH_OK")
        answers.osds?.status = .text("")
        let snapshot = StorageSnapshot(answers)
        #expect(!snapshot.isComplete)
        #expect(snapshot.status == Fixtures.status)
        #expect(snapshot.utilization == nil && snapshot.health == nil && snapshot.osds == nil)
        #expect(snapshot.pools?.count == 3)
        #expect(snapshot.problems == ["df: timed out after 1 s",
                                      "health: not JSON (byte 0: expected a value)",
                                      "osd status: empty answer"])
        #expect(snapshot.reason == snapshot.problems.joined(separator: "; "))
    }

    @Test func healthWithoutStatusIsMalformed() throws {
        var answers = try healthyAnswers()
        answers.health = .text(#"{"checks":{}}"#)
        #expect(StorageSnapshot(answers).problems == [#"health: no "status" string"#])
        answers.health = .text(Fixtures.healthDown)
        #expect(StorageSnapshot(answers).isComplete)
    }

    @Test func poolFiguresThatFailedLeaveThePoolsOut() throws {
        var answers = try healthyAnswers()
        answers.poolFigures = .failure(PoolFiguresFailure(reason: "rbd: no answer within 1 s"))
        let snapshot = StorageSnapshot(answers)
        #expect(snapshot.pools == nil)
        #expect(snapshot.problems == ["pool stats: rbd: no answer within 1 s"])
    }

    @Test func withoutOSDsNoOSDAnswersAreNeeded() throws {
        var answers = try healthyAnswers()
        answers.osds = nil
        let snapshot = StorageSnapshot(answers)
        #expect(snapshot.isComplete)
        #expect(snapshot.osds == [:])
    }
}
