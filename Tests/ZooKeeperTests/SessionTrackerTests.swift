import Coordination
import Testing
@testable import ZooKeeper

/// The client-side session decisions, with time passed in: no server needed.
@Suite struct SessionTrackerTests {
    let start = ContinuousClock.now

    @Test func connectingBeforeTheFirstConnectionIsNotSuspended() {
        var tracker = SessionTracker(sessionTimeout: .seconds(4))
        #expect(tracker.onLibraryState(.connecting, at: start) == nil)
        #expect(tracker.state == .connecting)
        #expect(tracker.onTick(at: start + .seconds(60)) == nil)
        #expect(tracker.state == .connecting)
    }

    @Test func aLostConnectionSuspendsAndAReconnectResumes() {
        var tracker = SessionTracker(sessionTimeout: .seconds(3))
        #expect(tracker.onLibraryState(.connected, at: start) == .connected)
        #expect(tracker.onLibraryState(.connecting, at: start + .seconds(10)) == .suspended)
        #expect(tracker.onTick(at: start + .milliseconds(10_500)) == nil)
        #expect(tracker.onLibraryState(.connected, at: start + .milliseconds(10_500)) == .connected)
        // The clock of the earlier disconnection must not carry over into a later one.
        #expect(tracker.onLibraryState(.connecting, at: start + .seconds(20)) == .suspended)
        #expect(tracker.onTick(at: start + .milliseconds(20_500)) == nil)
        #expect(tracker.state == .suspended)
    }

    /// The library reports the link dead after two thirds of a timeout of silence: the server last
    /// heard from us then, and expires the session a full timeout after that.
    @Test func expiryIsPresumedATimeoutAfterTheEstimatedLastContact() {
        var tracker = SessionTracker(sessionTimeout: .seconds(3))
        _ = tracker.onLibraryState(.connected, at: start)
        _ = tracker.onLibraryState(.connecting, at: start + .seconds(10))
        #expect(tracker.disconnectedSince == start + .seconds(8))
        #expect(tracker.onTick(at: start + .milliseconds(10_999)) == nil)
        #expect(tracker.onTick(at: start + .seconds(11)) == .expired)
        // Terminal: a late CONNECTED from the library (a revived session) does not bring it back.
        #expect(tracker.onLibraryState(.connected, at: start + .seconds(12)) == nil)
        #expect(tracker.state == .expired)
        #expect(tracker.onClosed() == nil)
    }

    /// A connection that drops right after it was made was heard from no earlier than then.
    @Test func theLastContactIsNeverBeforeTheLastConnection() {
        var tracker = SessionTracker(sessionTimeout: .seconds(3))
        _ = tracker.onLibraryState(.connected, at: start + .seconds(10))
        _ = tracker.onLibraryState(.connecting, at: start + .seconds(11))
        #expect(tracker.disconnectedSince == start + .seconds(10))
        #expect(tracker.onTick(at: start + .milliseconds(12_999)) == nil)
        #expect(tracker.onTick(at: start + .seconds(13)) == .expired)
    }

    @Test func theServersExpiryIsTerminal() {
        var tracker = SessionTracker(sessionTimeout: .seconds(4))
        _ = tracker.onLibraryState(.connected, at: start)
        #expect(tracker.onLibraryState(.expired, at: start + .seconds(1)) == .expired)
        #expect(tracker.onLibraryState(.connecting, at: start + .seconds(2)) == nil)
        #expect(tracker.state == .expired)
    }

    @Test func closingIsTerminal() {
        var tracker = SessionTracker(sessionTimeout: .seconds(4))
        _ = tracker.onLibraryState(.connected, at: start)
        #expect(tracker.onClosed() == .closed)
        #expect(tracker.onLibraryState(.connected, at: start) == nil)
        #expect(tracker.state == .closed)
    }

    @Test func theNegotiatedTimeoutGovernsPresumedExpiry() {
        var tracker = SessionTracker(sessionTimeout: .seconds(10))
        _ = tracker.onLibraryState(.connected, at: start)
        tracker.sessionTimeout = .seconds(3)
        _ = tracker.onLibraryState(.connecting, at: start + .seconds(10))
        #expect(tracker.onTick(at: start + .seconds(11)) == .expired)
    }
}
