import Testing
@testable import NodeConfiguration

@Suite struct ErrorTests {
    private func error(_ yaml: String) -> ConfigurationError? {
        do {
            _ = try NodeConfiguration.parse(yaml: yaml, file: "pvcnoded.yaml", hostname: "hv1")
            return nil
        } catch {
            return error
        }
    }

    @Test func stringWhereANumberBelongsNamesFileKeyAndProblem() throws {
        let failure = try #require(error(minimalYAML + "timer:\n  keepalive_interval: fast\n"))
        #expect(failure.kind == .mistyped)
        #expect(failure.file == "pvcnoded.yaml")
        #expect(failure.key == "timer.keepalive_interval")
        #expect(failure.description
            == #"pvcnoded.yaml: timer.keepalive_interval: expected a positive number of seconds, got "fast""#)
    }

    @Test(arguments: ["-5", "0", "0.0001", "1e300", ".nan", ".inf"])
    func nonPositiveOrNonFiniteIntervalIsRefused(value: String) throws {
        let failure = try #require(error(minimalYAML + "timer:\n  vm_shutdown_timeout: \(value)\n"))
        #expect(failure.key == "timer.vm_shutdown_timeout")
        #expect(failure.description.hasPrefix("pvcnoded.yaml: timer.vm_shutdown_timeout: expected a positive number"))
        #expect([.invalid, .mistyped].contains(failure.kind))
    }

    @Test func missingCoordinatorsNamesTheKey() throws {
        let failure = try #require(error("cluster:\n  name: test\n"))
        #expect(failure.kind == .missing)
        #expect(failure.key == "cluster.coordinator_nodes")
        #expect(failure.description.hasPrefix("pvcnoded.yaml: cluster.coordinator_nodes: required key is missing"))
    }

    @Test func missingClusterNameNamesTheKey() throws {
        let failure = try #require(error("cluster:\n  coordinator_nodes: [hv1]\n"))
        #expect(failure.kind == .missing)
        #expect(failure.key == "cluster.name")
    }

    @Test func emptyFileIsIncomplete() throws {
        let failure = try #require(error(""))
        #expect(failure.kind == .missing)
        #expect(failure.key == "cluster.name")
    }

    @Test func emptyCoordinatorListIsRefused() throws {
        let failure = try #require(error("cluster: {name: t, coordinator_nodes: []}\n"))
        #expect(failure.kind == .invalid)
        #expect(failure.key == "cluster.coordinator_nodes")
    }

    @Test func malformedYAMLNamesFileAndPosition() throws {
        let failure = try #require(error("cluster:\n  name: [unclosed\n  coordinator_nodes: hv1\n"))
        #expect(failure.kind == .malformed)
        #expect(failure.key == nil)
        #expect(failure.description.hasPrefix("pvcnoded.yaml: not valid YAML: "))
        #expect(failure.problem.contains("line "))
    }

    @Test func topLevelThatIsNotAMappingIsMistyped() throws {
        let failure = try #require(error("- just\n- a list\n"))
        #expect(failure.kind == .mistyped)
        #expect(failure.description == "pvcnoded.yaml: expected a mapping of keys, got a list")
    }

    @Test func sectionThatIsNotAMappingNamesTheSection() throws {
        let failure = try #require(error(minimalYAML + "timer: 5\n"))
        #expect(failure.description == #"pvcnoded.yaml: timer: expected a mapping of keys, got "5""#)
    }

    @Test func listItemErrorsNameTheIndex() throws {
        let failure = try #require(error("cluster: {name: t, coordinator_nodes: [hv1, [hv2]]}\n"))
        #expect(failure.kind == .mistyped)
        #expect(failure.key == "cluster.coordinator_nodes[1]")
    }

    @Test func unknownWordsAreRefusedWithTheChoices() throws {
        let selector = try #require(error(minimalYAML + "migration: {target_selector: cheapest}\n"))
        #expect(selector.kind == .invalid)
        #expect(selector.description == #"pvcnoded.yaml: migration.target_selector: expected one of mem, memprov, load, vcpus, vms, got "cheapest""#)
        let action = try #require(error(minimalYAML + "fencing: {actions: {failed_fence: reboot}}\n"))
        #expect(action.key == "fencing.actions.failed_fence")
    }

    @Test func otherMistypes() throws {
        #expect(error(minimalYAML + "logging: {file_logging: maybe}\n")?.key == "logging.file_logging")
        #expect(error(minimalYAML + "logging: {node_log_lines: -1}\n")?.kind == .invalid)
        #expect(error(minimalYAML + "fencing: {intervals: {fence_intervals: 2.5}}\n")?.key
            == "fencing.intervals.fence_intervals")
        #expect(error(minimalYAML + "database: {zookeeper: {port: 70000}}\n")?.key == "database.zookeeper.port")
        #expect(error(minimalYAML + "metrics: {listen_address: \"9101\"}\n")?.key == "metrics.listen_address")
        #expect(error(minimalYAML + "node: {name: [a, b]}\n")?.kind == .mistyped)
        #expect(error(minimalYAML + "guest_networking: {sriov_device: [{phy: ens1}]}\n")?.key
            == "guest_networking.sriov_device[0].vfcount")
    }
}
