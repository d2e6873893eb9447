import NodeCore
import Testing

@Suite struct MaintenanceModeTests {
    @Test(arguments: ["true", "True", " on\n", "1", "yes", "Y", "t"])
    func onSpellings(_ text: String) {
        #expect(MaintenanceMode(parsing: text) == .on)
    }

    @Test(arguments: ["false", "False", "off", "0", "no", "n", "F\n", "", " \n"])
    func offSpellings(_ text: String) {
        #expect(MaintenanceMode(parsing: text) == .off)
        #expect(!MaintenanceMode(parsing: text).isOn)
    }

    /// Garbage is reported, kept short, and never reads as on.
    @Test(arguments: ["maybe", "tru", "\u{FFFD}\u{FFFD}", String(repeating: "x", count: 5000)])
    func garbageIsOffAndReported(_ text: String) {
        let mode = MaintenanceMode(parsing: text)
        #expect(!mode.isOn)
        guard case .unrecognised(let shown) = mode else {
            Issue.record("\(text.prefix(20)) was recognised")
            return
        }
        #expect(shown.count <= 64)
    }
}
