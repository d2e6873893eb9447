import Testing
@testable import NodeConfiguration

@Suite struct ModeTests {
    private func configuration(name: String?, hostname: String = "hv1") throws -> NodeConfiguration {
        let node = name.map { "node: {name: \($0)}\n" } ?? ""
        return try NodeConfiguration.parse(yaml: minimalYAML + node, file: "f", hostname: hostname).configuration
    }

    @Test(arguments: [("hv1", DaemonMode.coordinator), ("hv3", .coordinator), ("hv4", .hypervisor), ("hv10", .hypervisor)])
    func modeFollowsTheCoordinatorList(name: String, mode: DaemonMode) throws {
        #expect(try configuration(name: name).mode == mode)
    }

    @Test func hostnameIsTheDefaultNameAndDecidesTheMode() throws {
        #expect(try configuration(name: nil, hostname: "hv2").mode == .coordinator)
        #expect(try configuration(name: nil, hostname: "hv7").node.name == "hv7")
        #expect(try configuration(name: nil, hostname: "hv7").mode == .hypervisor)
    }

    @Test func shortHostnameStopsAtTheFirstDot() {
        #expect(Hostname.shortName(of: "hv1.cluster.example.net") == "hv1")
        #expect(Hostname.shortName(of: "hv1") == "hv1")
        #expect(Hostname.shortName(of: "") == "localhost")
        #expect(!Hostname.short().contains("."))
    }

    @Test(arguments: [("hv12", 12), ("node-2b7", 7), ("pvc", 0), ("a1b22", 22)])
    func nodeIDIsTheLastRunOfDigits(name: String, id: Int) {
        #expect(NodeSettings.nodeID(of: name) == id)
    }

    @Test func ipmiHostnameSubstitutesEveryPlaceholder() throws {
        let yaml = minimalYAML + "node: {name: hv12}\nfencing: {ipmi: {hostname: \"{node_id}-bmc{node_id}.{node\"}}\n"
        let config = try NodeConfiguration.parse(yaml: yaml, file: "f", hostname: "x").configuration
        #expect(config.ipmiHostname == "12-bmc12.{node")
    }

    @Test(arguments: [("/var/log/pvc", "/var/log/pvc/pvcnoded.log"), ("/tmp/x//", "/tmp/x/pvcnoded.log"),
                      ("/", "/pvcnoded.log"), ("logs", "logs/pvcnoded.log")])
    func logFileIsInTheSystemLogDirectory(directory: String, path: String) throws {
        let yaml = minimalYAML + "path: {system_log_directory: \"\(directory)\"}\n"
        let config = try NodeConfiguration.parse(yaml: yaml, file: "f", hostname: "x").configuration
        #expect(config.logFilePath == path)
    }
}
