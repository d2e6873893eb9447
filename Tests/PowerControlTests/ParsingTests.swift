import Testing
@testable import PowerControl

@Suite("BMC addresses and ipmitool output")
struct ParsingTests {
    @Test(arguments: [
        ("10.0.0.5", "10.0.0.5", nil),
        ("bmc-node1.example.org", "bmc-node1.example.org", nil),
        ("  127.0.0.1:29800\n", "127.0.0.1", 29800),
        ("bmc_1:623", "bmc_1", 623),
        ("[fd00::5]:6230", "fd00::5", 6230),
        ("[::1]", "::1", nil),
        ("fd00::5", "fd00::5", nil),
        ("fe80::1%eth0", "fe80::1%eth0", nil),
    ] as [(String, String, Int?)])
    func goodAddresses(text: String, host: String, port: Int?) throws {
        let address = try BMCAddress(parsing: text)
        #expect(address.host == host)
        #expect(address.port == port)
        // What it prints parses back to the same address.
        #expect(try BMCAddress(parsing: address.description) == address)
    }

    @Test(arguments: [
        "", "   ", "host:", ":623", "host:0", "host:65536", "host:12ab", "[::1", "[::1]x", "[]:623", "[bmc]:623",
        "-P", "-Hsecret", ".hidden", "a b", "host\"x", "zz::qq", "fe80::1%", "host;reboot",
    ])
    func garbageAddresses(text: String) {
        #expect(throws: PowerControlError.badAddress(text)) { try BMCAddress(parsing: text) }
    }

    @Test func descriptionBracketsIPv6WithAPort() throws {
        #expect(try BMCAddress(parsing: "[fd00::5]:6230").description == "[fd00::5]:6230")
        #expect(try BMCAddress(parsing: "bmc:623").description == "bmc:623")
        #expect(BMCAddress(host: "::1").description == "::1")
    }

    @Test(arguments: [
        ("Chassis Power is on\n", PowerState.on),
        ("Chassis Power is off\n", .off),
        ("  CHASSIS POWER IS OFF  \r\n", .off),
        ("chassis power is On", .on),
        ("Unable to Get Channel Cipher Suites\nChassis Power is off\n", .off),
    ])
    func statusOutput(text: String, state: PowerState) throws {
        #expect(try IPMIPowerControl.parseStatus(text) == state)
    }

    @Test func statusThatIsNeitherIsUnexpected() {
        #expect(throws: PowerControlError.unexpectedOutput("Chassis Power is unknown")) {
            try IPMIPowerControl.parseStatus("  Chassis Power is unknown \n")
        }
        let long = String(repeating: "x", count: 500)
        #expect(throws: PowerControlError.unexpectedOutput(String(repeating: "x", count: 200))) {
            try IPMIPowerControl.parseStatus(long)
        }
    }

    @Test func argvCarriesNoPasswordAndBoundsRetries() throws {
        let control = IPMIPowerControl(
            address: try BMCAddress(parsing: "[fd00::5]:6230"), username: "admin", password: "hunter2")
        let argv = control.arguments("off")
        #expect(argv == [
            "ipmitool", "-I", "lanplus", "-H", "fd00::5", "-p", "6230", "-U", "admin", "-E", "-C", "3",
            "-R", "1", "-N", "1", "chassis", "power", "off",
        ])
        #expect(!argv.contains { $0.contains("hunter2") })
        #expect(!IPMIPowerControl(address: BMCAddress(host: "bmc"), username: "u", password: "p")
            .arguments("status").contains("-p"))
    }

    @Test func detailTellsARefusalFromSilence() {
        let stderr = "Error: Unable to establish IPMI v2 / RMCP+ session\n"
        let refused = IPMIPowerControl.detail(stderr: stderr, status: 1, elapsed: .milliseconds(40))
        #expect(refused.hasPrefix("Error: Unable to establish IPMI v2 / RMCP+ session ("))
        #expect(refused.contains("answered within 40 ms"))
        let silent = IPMIPowerControl.detail(stderr: stderr, status: 1, elapsed: .milliseconds(2050))
        #expect(silent.contains("no usable answer within 2050 ms"))
        #expect(IPMIPowerControl.detail(stderr: "\n\n", status: 1, elapsed: .zero).hasPrefix("ipmitool exited with status 1"))
    }
}
