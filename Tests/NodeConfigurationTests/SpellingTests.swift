import Testing
@testable import NodeConfiguration

/// Reference §15 q2: PVC's code and its sample spell two keys differently; both spellings are accepted.
@Suite struct SpellingTests {
    private func parse(_ extra: String) throws -> LoadedConfiguration {
        try NodeConfiguration.parse(yaml: minimalYAML + extra, file: "pvcnoded.yaml", hostname: "hv1")
    }

    @Test(arguments: ["suicide_interval", "suicide_intervals"])
    func suicideIntervalEitherSpelling(key: String) throws {
        let loaded = try parse("fencing: {intervals: {\(key): 4}}\n")
        #expect(loaded.configuration.fencing.suicideIntervals == 4)
        #expect(loaded.warningsBesidesClusterDomain.isEmpty)
    }

    @Test(arguments: ["phy", "device"])
    func sriovDeviceEitherSpelling(key: String) throws {
        let loaded = try parse("guest_networking: {sriov_device: [{\(key): ens1f1, vfcount: 3}]}\n")
        #expect(loaded.configuration.guestNetworking.sriovDevices == [SRIOVDevice(phy: "ens1f1", vfCount: 3)])
        #expect(loaded.warningsBesidesClusterDomain.isEmpty)
    }

    @Test func bothSpellingsAgreeingIsAccepted() throws {
        let loaded = try parse("fencing: {intervals: {suicide_interval: 2, suicide_intervals: 2}}\n")
        #expect(loaded.configuration.fencing.suicideIntervals == 2)
    }

    @Test func bothSpellingsDisagreeingIsRefused() throws {
        #expect {
            try parse("fencing: {intervals: {suicide_interval: 2, suicide_intervals: 5}}\n")
        } throws: { error in
            (error as? ConfigurationError)?.key == "fencing.intervals.suicide_interval"
                && (error as? ConfigurationError)?.problem.contains("suicide_intervals") == true
        }
    }

    @Test func aliasSpellingIsNamedInItsErrors() throws {
        #expect {
            try parse("guest_networking: {sriov_device: [{device: [x], vfcount: 1}]}\n")
        } throws: { error in
            (error as? ConfigurationError)?.key == "guest_networking.sriov_device[0].device"
        }
    }
}
