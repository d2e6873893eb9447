import Foundation
import HostStats
import Testing

@Suite struct HostStatsTests {
    static let meminfo = """
        MemTotal:       24684096 kB
        MemFree:        22738008 kB
        MemAvailable:   23976280 kB
        Buffers:          149824 kB
        Cached:          1194096 kB
        HugePages_Total:       0
        """

    @Test func memoryIsReportedInMiBWithAvailableAsFree() throws {
        let memory = try MemoryInfo.parse(procMeminfo: Self.meminfo)
        #expect(memory.totalMiB == 24105)
        #expect(memory.availableMiB == 23414)
        #expect(memory.usedMiB == 691)
    }

    @Test func kernelsWithoutMemAvailableEstimateItFromFreeBuffersAndCache() throws {
        let old = Self.meminfo.split(separator: "\n").filter { !$0.hasPrefix("MemAvailable") }.joined(separator: "\n")
        let memory = try MemoryInfo.parse(procMeminfo: old)
        #expect(memory.availableMiB == (22738008 + 149824 + 1194096) / 1024)
    }

    @Test(arguments: ["", "MemFree: 10 kB", "MemTotal: lots kB", "MemTotal: 10 MB\nMemFree: 1 kB"])
    func malformedMeminfoIsAnErrorNamingTheFile(_ text: String) {
        #expect {
            _ = try MemoryInfo.parse(procMeminfo: text)
        } throws: { error in
            (error as? HostStatsError)?.description.contains("/proc/meminfo") == true
        }
    }

    @Test func loadIsTheFirstFieldAndPrintsAsPythonWould() throws {
        #expect(try LoadAverage.parse(procLoadavg: "4.92 2.69 2.19 3/109 28586\n").oneMinute == 4.92)
        #expect(LoadAverage(oneMinute: 0.5).cpuloadText == "0.5")
        #expect(LoadAverage(oneMinute: 1).cpuloadText == "1.0")
        #expect(LoadAverage(oneMinute: 2.6949).cpuloadText == "2.69")
        #expect(LoadAverage(oneMinute: 0.006).cpuloadText == "0.01")
    }

    @Test(arguments: ["", "nan 1 1", "-1 0 0", "x y z"])
    func malformedLoadavgIsAnError(_ text: String) {
        #expect(throws: HostStatsError.self) { try LoadAverage.parse(procLoadavg: text) }
    }

    @Test func theRealProcFilesParse() throws {
        let stats = HostStats()
        let memory = try stats.memory()
        #expect(memory.totalMiB > 0)
        #expect(memory.availableMiB <= memory.totalMiB)
        #expect(try stats.load().oneMinute >= 0)
    }

    @Test func aMissingProcRootIsAnUnreadableError() {
        let stats = HostStats(procRoot: "/nonexistent-\(UUID().uuidString)")
        #expect {
            _ = try stats.memory()
        } throws: { error in
            if case .unreadable(let source, let code) = error as? HostStatsError {
                return source.hasSuffix("/meminfo") && code == ENOENT
            }
            return false
        }
    }
}
