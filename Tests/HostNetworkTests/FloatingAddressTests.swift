import Testing
@testable import HostNetwork

@Suite("FloatingAddress parsing")
struct FloatingAddressTests {
    @Test func parsesIPv4WithPrefix() throws {
        let address = try FloatingAddress(parsing: "10.0.0.250/24", device: "ens4")
        #expect(address.address == "10.0.0.250")
        #expect(address.prefixLength == 24)
        #expect(address.device == "ens4")
        #expect(address.family == .ipv4)
        #expect(address.cidr == "10.0.0.250/24")
        #expect(address.description == "10.0.0.250/24 dev ens4")
    }

    @Test func parsesIPv6AndCanonicalises() throws {
        let address = try FloatingAddress(parsing: " fd00:0:0::0250/64 ", device: "vlan1001")
        #expect(address.address == "fd00::250")
        #expect(address.family == .ipv6)
        #expect(address == (try FloatingAddress(address: "fd00::250", prefixLength: 64, device: "vlan1001")))
    }

    @Test(arguments: [
        ("10.0.0.250", FloatingAddressError.missingPrefixLength("10.0.0.250")),
        ("10.0.0.250/24/1", .missingPrefixLength("10.0.0.250/24/1")),
        ("", .missingPrefixLength("")),
        ("10.0.0.256/24", .invalidAddress("10.0.0.256")),
        ("pvc.example/24", .invalidAddress("pvc.example")),
        ("fe80::1%eth0/64", .invalidAddress("fe80::1%eth0")),
        ("/24", .invalidAddress("")),
        ("10.0.0.250/33", .invalidPrefixLength("33", family: .ipv4)),
        ("10.0.0.250/", .invalidPrefixLength("", family: .ipv4)),
        ("10.0.0.250/+24", .invalidPrefixLength("+24", family: .ipv4)),
        ("10.0.0.250/abc", .invalidPrefixLength("abc", family: .ipv4)),
        ("fd00::1/129", .invalidPrefixLength("129", family: .ipv6)),
    ])
    func rejectsGarbage(text: String, expected: FloatingAddressError) {
        #expect(throws: expected) { try FloatingAddress(parsing: text, device: "eth0") }
    }

    @Test func errorsSayWhatIsWrong() {
        #expect(FloatingAddressError.missingPrefixLength("10.0.0.250").description.contains("10.0.0.250/24"))
        #expect(FloatingAddressError.invalidPrefixLength("33", family: .ipv4).description.contains("0 to 32"))
    }

    @Test(arguments: ["", "a/b", "has space", "sixteen-chars-xx", "eth0:1"])
    func rejectsBadDevices(device: String) {
        #expect(throws: FloatingAddressError.invalidDevice(device)) {
            try FloatingAddress(parsing: "10.0.0.250/24", device: device)
        }
    }

    @Test func parsesIPAddressListing() throws {
        let text = """
            2: eth0    inet 10.251.1.11/24 scope global eth0\\       valid_lft forever preferred_lft forever
            2: eth0    inet 10.251.1.250/24 scope global secondary eth0:1\\       valid_lft forever preferred_lft forever
            2: eth0    inet6 fd00::250/64 scope global tentative \\       valid_lft forever preferred_lft forever
            2: eth0    inet6 fe80::f442:beff:fee3:a51e/64 scope link \\       valid_lft forever preferred_lft forever

            """
        let addresses = try IPRoute2Network.parseAddresses(text, device: "eth0")
        #expect(addresses.map(\.cidr) == [
            "10.251.1.11/24", "10.251.1.250/24", "fd00::250/64", "fe80::f442:beff:fee3:a51e/64",
        ])
        #expect(addresses.allSatisfy { $0.device == "eth0" })
    }
}
