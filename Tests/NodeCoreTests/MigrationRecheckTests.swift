import NodeCore
import Testing

/// The source's second look under the VM's locks: only a record that still asks for this
/// migration to this target goes ahead.
struct MigrationRecheckTests {
    @Test func aRecordThatStillAsksGoesAhead() {
        #expect(MigrationRecheck.outcome(state: "migrate", node: "hv2", target: "hv2", source: "hv1") == nil)
        #expect(MigrationRecheck.outcome(state: "migrate-live", node: "hv2", target: "hv2", source: "hv1") == nil)
    }

    @Test func aChangedRecordIsNotMigrated() {
        #expect(MigrationRecheck.outcome(state: "stop", node: "hv2", target: "hv2", source: "hv1")
                == .skipped("state is now stop"))
        #expect(MigrationRecheck.outcome(state: nil, node: "hv2", target: "hv2", source: "hv1")
                == .skipped("state is now gone"))
        #expect(MigrationRecheck.outcome(state: "garbage", node: "hv2", target: "hv2", source: "hv1")
                == .skipped("state is now garbage"))
        #expect(MigrationRecheck.outcome(state: "migrate", node: "hv3", target: "hv2", source: "hv1")
                == .skipped("target changed to hv3"))
        #expect(MigrationRecheck.outcome(state: "migrate", node: nil, target: "hv2", source: "hv1")
                == .skipped("target changed to nothing"))
    }

    @Test func neverToItself() {
        #expect(MigrationRecheck.outcome(state: "migrate", node: "hv1", target: "hv2", source: "hv1")
                == .skipped("the target is this node"))
    }
}
