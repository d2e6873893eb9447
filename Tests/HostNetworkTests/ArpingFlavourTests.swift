import Testing
@testable import HostNetwork

@Suite("arping flavours")
struct ArpingFlavourTests {
    @Test func detectsEitherFlavour() {
        let habets = "arping: option requires an argument -- 'V'\nARPing 2.23, by Thomas Habets <thomas@habets.se>\nusage: arping [ -0aAbdDeFpPqrRuUvzZ ]"
        #expect(ArpingFlavour(versionOutput: habets) == .habets)
        #expect(ArpingFlavour(versionOutput: "arping from iputils 20221126") == .iputils)
        #expect(ArpingFlavour(versionOutput: "sh: arping: not found") == nil)
    }

    @Test func announcesAsPVCDoes() throws {
        let address = try FloatingAddress(parsing: "10.0.0.250/24", device: "brcluster")
        let habets = ArpingFlavour.habets.announcements(of: address)
        #expect(habets.count == 2)
        // The second is exactly PVC's command; the first the same as requests.
        #expect(habets.last == [
            "arping", "-P", "-U", "-W", "0.02", "-c", "2", "-i", "brcluster", "-S", "10.0.0.250", "10.0.0.250",
        ])
        #expect(habets.first == [
            "arping", "-U", "-W", "0.02", "-c", "2", "-i", "brcluster", "-S", "10.0.0.250", "10.0.0.250",
        ])
        #expect(ArpingFlavour.iputils.announcements(of: address) == [
            ["arping", "-U", "-c", "2", "-I", "brcluster", "-s", "10.0.0.250", "10.0.0.250"],
            ["arping", "-A", "-c", "2", "-I", "brcluster", "-s", "10.0.0.250", "10.0.0.250"],
        ])
    }

    @Test func unansweredAnnouncementIsSuccess() {
        func output(_ status: Int32, _ stdout: String) -> CommandOutput {
            CommandOutput(command: ["arping"], status: status, stdout: stdout, stderr: "")
        }
        let habets = "ARPING 10.9.9.250\nTimeout\nTimeout\n\n--- 10.9.9.250 statistics ---\n2 packets transmitted, 0 packets received, 100% unanswered (0 extra)\n"
        #expect(ArpingFlavour.habets.announced(output(1, habets)))
        #expect(!ArpingFlavour.habets.announced(output(1, "arping: libnet_init(LIBNET_LINK, d0): No such device\n")))
        #expect(!ArpingFlavour.habets.announced(output(1, "0 packets transmitted, 0 packets received\n")))
        let iputils = "ARPING 10.9.9.250 from 10.9.9.250 eth0\nSent 2 probes (2 broadcast(s))\nReceived 0 response(s)\n"
        #expect(ArpingFlavour.iputils.announced(output(1, iputils)))
        #expect(ArpingFlavour.iputils.announced(output(0, "")))
        #expect(!ArpingFlavour.iputils.announced(output(2, iputils)))
    }
}
