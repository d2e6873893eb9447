import Testing
@testable import NodeConfiguration

@Suite struct FencingConfigurationTests {
    private func parse(_ fencing: String) throws -> NodeConfiguration {
        try NodeConfiguration.parse(yaml: minimalYAML + fencing, file: "pvcnoded.yaml", hostname: "hv1").configuration
    }

    @Test func defaultsArePVCs() throws {
        let config = try parse("")
        #expect(config.fencing.savingThrows == 6)
        #expect(config.fencing.ipmi.cipherSuite == 3)
        #expect(config.fencing.ipmi.checkInterval == .seconds(60))
    }

    @Test func savingThrowsCipherSuiteAndCheckIntervalAreRead() throws {
        let config = try parse("""
            fencing:
              intervals: {fence_intervals: 3, saving_throws: 2, suicide_intervals: 2}
              ipmi: {hostname: "127.0.0.1:29801", cipher_suite: 17, check_interval: 0}

            """)
        #expect(config.fencing.savingThrows == 2)
        #expect(config.fencing.suicideIntervals == 2)
        #expect(config.fencing.ipmi.cipherSuite == 17)
        #expect(config.fencing.ipmi.checkInterval == .zero)
        #expect(config.ipmiHostname == "127.0.0.1:29801")
    }

    /// A self-fence at or after the dead threshold comes too late to protect anything.
    @Test(arguments: [3, 4])
    func selfFenceNotBelowTheDeadThresholdIsRefused(intervals: Int) throws {
        #expect {
            _ = try parse("fencing:\n  intervals: {fence_intervals: 3, suicide_interval: \(intervals)}\n")
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.key == "fencing.intervals.suicide_interval" && error.kind == .invalid
                && error.problem.contains("not before the dead threshold of 3 intervals")
        }
    }

    @Test func selfFenceWithFencingDisabledIsAccepted() throws {
        let config = try parse("fencing:\n  intervals: {fence_intervals: 0, suicide_interval: 3}\n")
        #expect(config.fencing.suicideIntervals == 3)
    }

    @Test func negativeSavingThrowsAreRefused() throws {
        #expect(throws: ConfigurationError.self) {
            _ = try parse("fencing:\n  intervals: {saving_throws: -1}\n")
        }
    }
}
