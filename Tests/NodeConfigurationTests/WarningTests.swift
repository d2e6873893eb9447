import Testing
@testable import NodeConfiguration

@Suite struct WarningTests {
    @Test func unknownKeysAreWarnedWithTheirDottedPath() throws {
        let yaml = minimalYAML + """
            timer:
              keepalive_intervall: 2
            api:
              listen: {address: 0.0.0.0}
            guest_networking:
              sriov_device: [{phy: ens1, vfcount: 2, colour: red}]

            """
        let loaded = try NodeConfiguration.parse(yaml: yaml, file: "pvcnoded.yaml", hostname: "hv1")
        #expect(loaded.warningsBesidesClusterDomain.map(\.key) == [
            "timer.keepalive_intervall", "guest_networking.sriov_device[0].colour", "api",
        ])
        #expect(loaded.warnings.first?.description == "pvcnoded.yaml: timer.keepalive_intervall: unknown key, ignored")
        // The misspelt key must not have changed the setting it was meant for: that is why it is worth a warning.
        #expect(loaded.configuration.timer.keepaliveInterval == .seconds(5))
    }

    @Test func knownKeysProduceNoWarnings() throws {
        let loaded = try NodeConfiguration.parse(yaml: minimalYAML, file: "pvcnoded.yaml", hostname: "hv1")
        // The one warning a minimal file gets is about a missing setting, not a key (see MigrationTests).
        #expect(loaded.warnings.map(\.key) == [clusterDomainKey])
    }
}
