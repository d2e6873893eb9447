import NodeCore
import TestSupport
import Testing

/// A ready, running node with the given figures.
private func node(_ name: String, mem: Int? = 4096, used: Int? = 4096, prov: Int? = 0, load: Double? = 1.0,
                  vcpus: Int? = 4, vms: Int? = 2, daemon: String? = "run", domain: String? = "ready") -> CandidateNode {
    CandidateNode(name: name, daemonState: daemon, domainState: domain, memFreeMiB: mem, memUsedMiB: used,
                  memProvisionedMiB: prov, cpuLoad: load, vcpuAllocated: vcpus, runningVMs: vms)
}

private func choose(_ selector: String?, _ candidates: [CandidateNode], current: String = "hv0",
                    limit: String? = "", cluster: String? = "mem",
                    inFlight: [String: InFlightLoad] = [:]) -> TargetChoice {
    TargetSelection.choose(vm: "vm1", currentNode: current, nodeLimit: limit, vmSelector: selector,
                           clusterSelector: cluster, candidates: candidates, inFlight: inFlight)
}

@Suite struct TargetSelectionTests {
    // MARK: Selectors

    @Test(arguments: [("mem", MigrationSelector.mem), ("memprov", .memprov), ("load", .load),
                      ("vcpus", .vcpus), ("vms", .vms), (" Mem\n", .mem), ("VMS", .vms)])
    func selectorParsing(_ text: String, _ expected: MigrationSelector) {
        #expect(MigrationSelector(parsing: text) == expected)
    }

    @Test(arguments: ["", "none", "None", "memory", "cpu", "m e m", "mem,load"])
    func notSelectors(_ text: String) {
        #expect(MigrationSelector(parsing: text) == nil)
    }

    @Test func memPicksMostFree() {
        let choice = choose("mem", [node("hv1", mem: 1000), node("hv2", mem: 3000), node("hv3", mem: 2000)])
        #expect(choice.target == "hv2")
        #expect(choice.outcome == .chosen(node: "hv2", value: .memory(3000)))
        #expect(choice.selector == .mem)
        #expect(!choice.fellBack)
        #expect(choice.warnings.isEmpty)
    }

    @Test func memprovPicksMostUnpromised() {
        // hv1: 8000 - 7000 = 1000; hv2: 6000 - 2000 = 4000 (though less free); hv3: 9000 - 6000 = 3000.
        let choice = choose("memprov", [
            node("hv1", mem: 6000, used: 2000, prov: 7000),
            node("hv2", mem: 1000, used: 5000, prov: 2000),
            node("hv3", mem: 5000, used: 4000, prov: 6000),
        ])
        #expect(choice.outcome == .chosen(node: "hv2", value: .memory(4000)))
    }

    @Test func loadPicksLowest() {
        let choice = choose("load", [node("hv1", load: 0.5), node("hv2", load: 0.25), node("hv3", load: 3.0)])
        #expect(choice.outcome == .chosen(node: "hv2", value: .load(0.25)))
    }

    @Test func vcpusPicksFewest() {
        let choice = choose("vcpus", [node("hv1", vcpus: 8), node("hv2", vcpus: 12), node("hv3", vcpus: 2)])
        #expect(choice.outcome == .chosen(node: "hv3", value: .count(2)))
    }

    @Test func vmsPicksFewest() {
        let choice = choose("vms", [node("hv1", vms: 3), node("hv2", vms: 0), node("hv3", vms: 1)])
        #expect(choice.outcome == .chosen(node: "hv2", value: .count(0)))
    }

    // MARK: Start values

    @Test func zeroFreeMemoryNeverWins() {
        let choice = choose("mem", [node("hv1", mem: 0), node("hv2", mem: -5)])
        #expect(choice.outcome == .noTarget(.noWinningValue))
        #expect(choice.eligible == ["hv1", "hv2"])
        #expect(choose("mem", [node("hv1", mem: 0), node("hv2", mem: 1)]).target == "hv2")
    }

    @Test func nonPositiveUnpromisedMemoryNeverWins() {
        let choice = choose("memprov", [
            node("hv1", mem: 1000, used: 3000, prov: 4000), // exactly 0
            node("hv2", mem: 1000, used: 3000, prov: 9000), // negative
        ])
        #expect(choice.outcome == .noTarget(.noWinningValue))
        #expect(choose("memprov", [node("hv1", mem: 1000, used: 3000, prov: 3999)]).target == "hv1")
    }

    @Test func loadAndCountsMustBeBelow9999() {
        #expect(choose("load", [node("hv1", load: 9999.0), node("hv2", load: 12000)]).target == nil)
        #expect(choose("load", [node("hv1", load: 9998.99)]).target == "hv1")
        #expect(choose("vcpus", [node("hv1", vcpus: 9999)]).target == nil)
        #expect(choose("vcpus", [node("hv1", vcpus: 9998)]).target == "hv1")
        #expect(choose("vms", [node("hv1", vms: 9999)]).target == nil)
        #expect(choose("vms", [node("hv1", vms: 9998)]).target == "hv1")
    }

    // MARK: Ties

    @Test(arguments: MigrationSelector.allCases)
    func tiesGoToTheSmallestName(_ selector: MigrationSelector) {
        let names = ["hv3", "hv10", "hv2", "hv21"]
        for rotation in 0..<names.count {
            let rotated = Array(names[rotation...] + names[..<rotation])
            #expect(choose(selector.rawValue, rotated.map { node($0) }).target == "hv10")
        }
    }

    @Test func tieBreakIsByBytes() {
        // "Hv9" < "hv1" (upper case first), "a" < "é" in bytes; canonically equivalent spellings
        // of one name still order the same way whatever the listing order.
        #expect(choose("mem", [node("hv1"), node("Hv9")]).target == "Hv9")
        let composed = "\u{E9}", decomposed = "e\u{301}"
        #expect(choose("mem", [node(composed), node(decomposed)]).target?.utf8.elementsEqual(decomposed.utf8) == true)
        #expect(choose("mem", [node(decomposed), node(composed)]).target?.utf8.elementsEqual(decomposed.utf8) == true)
    }

    // MARK: Eligibility

    @Test func nodeLimitParsing() {
        #expect(NodeLimit(parsing: "hv1, hv2 ,,hv3,").nodes == ["hv1", "hv2", "hv3"])
        #expect(NodeLimit(parsing: "").isUnlimited)
        #expect(NodeLimit(parsing: " , ,").isUnlimited)
        #expect(NodeLimit(parsing: nil).isUnlimited)
        #expect(NodeLimit(parsing: "hv1").allows("hv1"))
        #expect(!NodeLimit(parsing: "hv1").allows("hv2"))
        #expect(NodeLimit.unlimited.allows("anything"))
    }

    @Test func nodeLimitRestrictsCandidates() {
        let nodes = [node("hv1", mem: 9000), node("hv2", mem: 1000), node("hv3", mem: 2000)]
        let choice = choose("mem", nodes, limit: " hv2,hv3 ")
        #expect(choice.target == "hv3")
        #expect(choice.excluded == [Exclusion(node: "hv1", reason: .outsideNodeLimit)])
        #expect(choice.nodeLimit.nodes == ["hv2", "hv3"])
        #expect(choose("mem", nodes, limit: "hv9").outcome == .noTarget(.allExcluded))
    }

    @Test func currentNodeIsNeverChosen() {
        let choice = choose("mem", [node("hv1", mem: 9000), node("hv2", mem: 1000)], current: "hv1")
        #expect(choice.target == "hv2")
        #expect(choice.excluded == [Exclusion(node: "hv1", reason: .currentNode)])
        let alone = choose("mem", [node("hv1")], current: "hv1")
        #expect(alone.outcome == .noTarget(.allExcluded))
        #expect(alone.summary.contains("current node"))
    }

    @Test func onlyRunningReadyNodes() {
        let nodes = [
            node("hv1", mem: 9000, daemon: "stop"),
            node("hv2", mem: 9000, daemon: "init"),
            node("hv3", mem: 9000, daemon: nil),
            node("hv4", mem: 9000, domain: "flushed"),
            node("hv5", mem: 9000, domain: "flush"),
            node("hv6", mem: 9000, domain: "unflush"),
            node("hv7", mem: 9000, domain: nil),
            node("hv8", mem: 9000, daemon: "dead"),
            node("hv9", mem: 10, daemon: "run\n", domain: " ready"),
        ]
        let choice = choose("mem", nodes.reversed())
        #expect(choice.target == "hv9")
        #expect(choice.eligible == ["hv9"])
        #expect(choice.excluded.map(\.node) == ["hv1", "hv2", "hv3", "hv4", "hv5", "hv6", "hv7", "hv8"])
        #expect(choice.excluded[0].reason == .daemonState("stop"))
        #expect(choice.excluded[2].reason == .daemonState(nil))
        #expect(choice.excluded[3].reason == .domainState("flushed"))
        #expect(choice.excluded[6].reason == .domainState(nil))
        let none = choose("mem", Array(nodes.dropLast()))
        #expect(none.outcome == .noTarget(.allExcluded))
        #expect(none.summary.contains("hv4 domainstate 'flushed'"))
    }

    @Test func noNodes() {
        let choice = choose("mem", [])
        #expect(choice.outcome == .noTarget(.noNodes))
        #expect(choice.target == nil)
    }

    // MARK: Fallbacks

    @Test(arguments: [nil, "none", "None", "NONE"] as [String?])
    func noVMSelectorUsesTheClusterDefaultSilently(_ vmSelector: String?) {
        let choice = choose(vmSelector, [node("hv1", vms: 5), node("hv2", vms: 1)], cluster: "vms")
        #expect(choice.selector == .vms)
        #expect(choice.selection.source == .cluster)
        #expect(choice.fellBack)
        #expect(choice.warnings.isEmpty)
        #expect(choice.target == "hv2")
    }

    @Test(arguments: ["", "  ", "bogus", "mem load"])
    func emptyOrUnknownVMSelectorFallsBackWithWarning(_ vmSelector: String) {
        let choice = choose(vmSelector, [node("hv1", vms: 5), node("hv2", vms: 1)], cluster: "vms")
        #expect(choice.selector == .vms)
        #expect(choice.selection.source == .cluster)
        #expect(choice.fellBack)
        #expect(choice.warnings.count == 1)
        #expect(choice.warnings.first?.contains("vm1") == true)
        #expect(choice.target == "hv2")
    }

    @Test(arguments: [nil, "", "none", "bogus"] as [String?])
    func unknownClusterSelectorFallsBackToMem(_ cluster: String?) {
        let choice = choose(nil, [node("hv1", mem: 100, vms: 5), node("hv2", mem: 50, vms: 1)], cluster: cluster)
        #expect(choice.selector == .mem)
        #expect(choice.selection.source == .builtInDefault)
        #expect(choice.warnings.count == 1)
        #expect(choice.warnings.first?.contains("migration_target_selector") == true)
        #expect(choice.target == "hv1")
    }

    @Test func bothSelectorsBadGiveTwoWarnings() {
        let choice = choose("bogus", [node("hv1")], cluster: String(repeating: "x", count: 5000))
        #expect(choice.selector == .mem)
        #expect(choice.warnings.count == 2)
        #expect(choice.warnings.allSatisfy { $0.count < 300 })
    }

    @Test func vmSelectorOverridesTheCluster() {
        let choice = choose("vms", [node("hv1", mem: 9000, vms: 5), node("hv2", mem: 1, vms: 1)], cluster: "mem")
        #expect(choice.selection.source == .vm)
        #expect(!choice.fellBack)
        #expect(choice.target == "hv2")
    }

    // MARK: Garbage

    @Test func garbageTextsNeverWinNorCrash() {
        let garbage = ["", "abc", "nan", "NaN", "inf", "-inf", "1e400", "99999999999999999999999", "12abc", "0x10",
                       "\u{FFFD}", "-1", " 7 "]
        for text in garbage {
            let candidate = CandidateNode(name: "hv1", daemonStateText: "run", domainStateText: "ready",
                                          memFreeText: text, memUsedText: text, memProvisionedText: text,
                                          cpuLoadText: text, vcpuAllocatedText: text, runningVMsText: text)
            for selector in MigrationSelector.allCases {
                let choice = choose(selector.rawValue, [candidate])
                // Only " 7 " is a number (memprov 7 + 7 - 7); everything else, negatives
                // included, cannot win.
                let expected: String? = text == " 7 " ? "hv1" : nil
                #expect(choice.target == expected, "\(selector) \(text)")
            }
        }
    }

    @Test func parsedTexts() {
        let candidate = CandidateNode(name: "hv1", daemonStateText: "run", domainStateText: "ready",
                                      memFreeText: "2048\n", memUsedText: "1024", memProvisionedText: "512",
                                      cpuLoadText: "0.37", vcpuAllocatedText: "6", runningVMsText: "3")
        #expect(candidate.memFreeMiB == 2048)
        #expect(candidate.cpuLoad == 0.37)
        #expect(MigrationSelector.memprov.value(of: candidate) == .memory(2560))
        let missing = CandidateNode(name: "hv2", daemonStateText: nil, domainStateText: nil, memFreeText: nil,
                                    memUsedText: nil, memProvisionedText: nil, cpuLoadText: nil,
                                    vcpuAllocatedText: nil, runningVMsText: nil)
        #expect(!missing.isRunning && !missing.isReady)
        for selector in MigrationSelector.allCases {
            #expect(selector.value(of: missing) == nil)
        }
    }

    @Test func hugeFiguresDoNotTrap() {
        let huge = node("hv1", mem: Int.max, used: Int.max, prov: Int.max, vcpus: Int.max, vms: Int.max)
        #expect(choose("mem", [huge]).target == "hv1")
        #expect(choose("memprov", [huge]).target == nil) // used + free overflows: garbage
        #expect(choose("vcpus", [huge], inFlight: ["hv1": .vm(memoryMiB: Int.max, vcpus: Int.max)]).target == nil)
        #expect(choose("mem", [huge], inFlight: ["hv1": .vm(memoryMiB: Int.max, vcpus: 1)]).target == nil)
        let sum = InFlightLoad(memoryMiB: Int.max, vcpus: 1, vms: 1) + .vm(memoryMiB: Int.max, vcpus: 1)
        #expect(sum.memoryMiB == Int.max)
    }

    @Test func oneGarbageNodeAmongGoodOnes() {
        let choice = choose("load", [node("hv1", load: nil), node("hv2", load: 2.0), node("hv3", load: .nan)])
        #expect(choice.target == "hv2")
    }

    // MARK: In flight

    @Test func inFlightMemoryCountsAgainstMem() {
        let nodes = [node("hv1", mem: 8000), node("hv2", mem: 6000)]
        #expect(choose("mem", nodes).target == "hv1")
        let choice = choose("mem", nodes, inFlight: ["hv1": .vm(memoryMiB: 3000, vcpus: 2)])
        #expect(choice.outcome == .chosen(node: "hv2", value: .memory(6000)))
        // Everything promised away: nothing wins.
        let full = choose("mem", nodes, inFlight: ["hv1": .vm(memoryMiB: 8000, vcpus: 1),
                                                   "hv2": .vm(memoryMiB: 7000, vcpus: 1)])
        #expect(full.outcome == .noTarget(.noWinningValue))
    }

    @Test func inFlightMemoryCountsAgainstMemprovOnce() {
        // hv1: 10000 - 4000 = 6000, hv2: 10000 - 5000 = 5000.
        let nodes = [node("hv1", mem: 5000, used: 5000, prov: 4000), node("hv2", mem: 5000, used: 5000, prov: 5000)]
        #expect(choose("memprov", nodes).target == "hv1")
        // 1000 in flight to hv1 ties it with hv2 (6000 - 1000): hv1 still wins by name; 1001 tips it.
        #expect(choose("memprov", nodes, inFlight: ["hv1": .vm(memoryMiB: 1000, vcpus: 1)]).target == "hv1")
        #expect(choose("memprov", nodes, inFlight: ["hv1": .vm(memoryMiB: 1001, vcpus: 1)]).target == "hv2")
    }

    @Test func inFlightVCPUsAndVMs() {
        let nodes = [node("hv1", vcpus: 4, vms: 2), node("hv2", vcpus: 6, vms: 3)]
        let load = InFlightLoad.vm(memoryMiB: 512, vcpus: 4) + .vm(memoryMiB: 512, vcpus: 0)
        #expect(load == InFlightLoad(memoryMiB: 1024, vcpus: 4, vms: 2))
        #expect(choose("vcpus", nodes).target == "hv1")
        #expect(choose("vcpus", nodes, inFlight: ["hv1": load]).outcome == .chosen(node: "hv2", value: .count(6)))
        #expect(choose("vms", nodes).target == "hv1")
        #expect(choose("vms", nodes, inFlight: ["hv1": load]).outcome == .chosen(node: "hv2", value: .count(3)))
    }

    @Test func inFlightLeavesLoadAlone() {
        let nodes = [node("hv1", load: 0.1), node("hv2", load: 0.2)]
        let heavy = InFlightLoad(memoryMiB: 100_000, vcpus: 100, vms: 50)
        #expect(choose("load", nodes, inFlight: ["hv1": heavy]).outcome == .chosen(node: "hv1", value: .load(0.1)))
    }

    @Test func negativeInFlightNeverHelps() {
        let nodes = [node("hv1", mem: 1000, vcpus: 4, vms: 4), node("hv2", mem: 2000, vcpus: 2, vms: 2)]
        let negative = InFlightLoad(memoryMiB: -5000, vcpus: -10, vms: -10)
        for selector in ["mem", "vcpus", "vms"] {
            #expect(choose(selector, nodes, inFlight: ["hv1": negative]).target == "hv2")
        }
    }

    @Test func summaries() {
        #expect(choose("mem", [node("hv1", mem: 2048)]).summary == "hv1 by mem (memfree: 2048 MiB)")
        #expect(choose("mem", [node("hv1", mem: 0)]).summary.contains("no eligible node has a usable memfree"))
        #expect(choose("mem", []).summary.contains("no nodes"))
    }

    // MARK: Properties

    @Test func propertiesOverRandomClusters() {
        var random = SplitMix64(seed: 0x5EED_0005_0004)
        var chosenCount = 0
        var outcomes = Set<String>()
        for _ in 0..<10000 {
            let cluster = RandomCluster(using: &random)
            let choice = cluster.choose()
            let expected = cluster.oracle()
            #expect(choice.target == expected, "\(cluster)")

            if let target = choice.target {
                chosenCount += 1
                // An eligible candidate, never the current node.
                let chosen = cluster.candidates.filter { $0.name == target }
                #expect(!chosen.isEmpty)
                #expect(chosen.contains { cluster.isEligible($0) })
                #expect(target != cluster.current)
                // Nobody eligible is strictly better.
                let best = chosen.compactMap { cluster.goodness($0, selector: choice.selector) }.max()
                for other in cluster.candidates where cluster.isEligible(other) {
                    if let value = cluster.goodness(other, selector: choice.selector), let best {
                        #expect(value <= best)
                    }
                }
            }
            switch choice.outcome {
            case .chosen: outcomes.insert("chosen")
            case .noTarget(let why): outcomes.insert("\(why)")
            }

            // The listing order does not matter.
            var shuffled = cluster
            shuffled.candidates.shuffle(using: &random)
            #expect(shuffled.choose() == choice)
        }
        // The generator reaches every kind of outcome, and chooses often.
        #expect(chosenCount > 3000)
        #expect(outcomes.count == 4)
    }

    @Test func inFlightNeverAttracts() {
        var random = SplitMix64(seed: 0xF1_1647)
        for _ in 0..<5000 {
            let cluster = RandomCluster(using: &random)
            let choice = cluster.choose()
            let extra = InFlightLoad(memoryMiB: Int.random(in: 0...3000, using: &random),
                                     vcpus: Int.random(in: 0...4, using: &random),
                                     vms: Int.random(in: 0...2, using: &random))
            guard let target = choice.target, case .chosen(_, let before) = choice.outcome else { continue }

            // Loading the chosen node never improves its reading...
            var loaded = cluster
            loaded.inFlight[target, default: .none] += extra
            let chosenNode = cluster.candidates.filter { $0.name == target && cluster.isEligible($0) }
            for candidate in chosenNode {
                if let after = choice.selector.value(of: candidate, inFlight: loaded.inFlight[target] ?? .none) {
                    #expect(!after.isBetter(than: before))
                }
            }
            // ...and any node chosen instead was no worse before.
            let again = loaded.choose()
            if let other = again.target, other != target, case .chosen(_, let now) = again.outcome {
                #expect(!now.isBetter(than: before))
            }

            // Loading any other node never changes the choice.
            let others = Set(cluster.candidates.map(\.name)).subtracting([target]).sorted()
            if let victim = others.randomElement(using: &random) {
                var elsewhere = cluster
                elsewhere.inFlight[victim, default: .none] += extra
                #expect(elsewhere.choose().outcome == choice.outcome)
            }
        }
    }
}

// MARK: - Random clusters


/// A cluster small enough, and with figures coarse enough, that ties, start values, garbage and
/// exclusions are all frequent.
struct RandomCluster: CustomStringConvertible {
    static let names = ["hv1", "hv2", "hv3", "hv10", "Hv4", "node-a", "\u{E9}", "e\u{301}"]
    static let selectors: [String?] = ["mem", "memprov", "load", "vcpus", "vms", "none", "None", "", "bogus", nil,
                                       " Mem\n"]
    static let clusterSelectors: [String?] = ["mem", "memprov", "load", "vcpus", "vms", "bogus", nil]

    var candidates: [CandidateNode]
    var current: String
    var limit: String?
    var vmSelector: String?
    var clusterSelector: String?
    var inFlight: [String: InFlightLoad]

    init(using random: inout SplitMix64) {
        func maybe<T>(_ value: T, _ random: inout SplitMix64) -> T? {
            Int.random(in: 0..<10, using: &random) == 0 ? nil : value
        }
        let count = Int.random(in: 0...6, using: &random)
        let names = Self.names.shuffled(using: &random).prefix(count)
        candidates = names.map { name in
            CandidateNode(
                name: name,
                daemonState: maybe(["run", "run", "run", "run", "run", "stop", "init", "dead"].randomElement(using: &random) ?? "run",
                                   &random),
                domainState: maybe(["ready", "ready", "ready", "ready", "ready", "flushed", "flush"].randomElement(using: &random)
                                       ?? "ready", &random),
                memFreeMiB: maybe(Int.random(in: -1...4, using: &random) * 1000, &random),
                memUsedMiB: maybe(Int.random(in: 0...4, using: &random) * 1000, &random),
                memProvisionedMiB: maybe(Int.random(in: 0...8, using: &random) * 1000, &random),
                cpuLoad: maybe([0.0, 0.5, 1.0, 2.5, 9999.0, 12000.0, -1.0].randomElement(using: &random) ?? 0, &random),
                vcpuAllocated: maybe([0, 2, 4, 8, 9998, 9999].randomElement(using: &random) ?? 0, &random),
                runningVMs: maybe(Int.random(in: 0...3, using: &random), &random))
        }
        current = Self.names.randomElement(using: &random) ?? "hv1"
        switch Int.random(in: 0..<6, using: &random) {
        case 0, 1: limit = nil
        case 2, 3: limit = ""
        default:
            limit = Self.names.filter { _ in Bool.random(using: &random) }
                .map { Bool.random(using: &random) ? " \($0) " : $0 }
                .joined(separator: ",") + (Bool.random(using: &random) ? "," : "")
        }
        vmSelector = Self.selectors.randomElement(using: &random) ?? nil
        clusterSelector = Self.clusterSelectors.randomElement(using: &random) ?? nil
        inFlight = [:]
        for name in names where Int.random(in: 0..<3, using: &random) == 0 {
            inFlight[name] = InFlightLoad(memoryMiB: Int.random(in: 0...3, using: &random) * 1000,
                                          vcpus: Int.random(in: 0...4, using: &random),
                                          vms: Int.random(in: 0...2, using: &random))
        }
    }

    func choose() -> TargetChoice {
        TargetSelection.choose(vm: "vm", currentNode: current, nodeLimit: limit, vmSelector: vmSelector,
                               clusterSelector: clusterSelector, candidates: candidates, inFlight: inFlight)
    }

    // An independent statement of the rules, to check the implementation against.

    var allowed: [String]? {
        let entries = (limit ?? "").split(separator: ",").map { $0.filter { $0 != " " } }.filter { !$0.isEmpty }
        return entries.isEmpty ? nil : entries
    }

    func isEligible(_ node: CandidateNode) -> Bool {
        (allowed.map { $0.contains(node.name) } ?? true) && node.name != current
            && node.daemonState == "run" && node.domainState == "ready"
    }

    var selector: MigrationSelector {
        let vm = vmSelector.map { $0 == " Mem\n" ? "mem" : $0 }
        if let vm, let selector = MigrationSelector(rawValue: vm) { return selector }
        return clusterSelector.flatMap { MigrationSelector(rawValue: $0) } ?? .mem
    }

    /// Greater is better; nil when the node cannot win (missing, negative, or not beyond PVC's
    /// start value). The figures are small, so a Double is exact.
    func goodness(_ node: CandidateNode, selector: MigrationSelector) -> Double? {
        let load = inFlight[node.name] ?? .none
        switch selector {
        case .mem:
            guard let free = node.memFreeMiB, free >= 0 else { return nil }
            let value = Double(free - load.memoryMiB)
            return value > 0 ? value : nil
        case .memprov:
            guard let free = node.memFreeMiB, free >= 0, let used = node.memUsedMiB,
                  let prov = node.memProvisionedMiB else { return nil }
            let value = Double(used + free - prov - load.memoryMiB)
            return value > 0 ? value : nil
        case .load:
            guard let cpu = node.cpuLoad, cpu >= 0, cpu < 9999 else { return nil }
            return -cpu
        case .vcpus:
            guard let vcpus = node.vcpuAllocated, vcpus + load.vcpus < 9999 else { return nil }
            return -Double(vcpus + load.vcpus)
        case .vms:
            guard let vms = node.runningVMs, vms + load.vms < 9999 else { return nil }
            return -Double(vms + load.vms)
        }
    }

    func oracle() -> String? {
        let scored = candidates.filter(isEligible).compactMap { node in
            goodness(node, selector: selector).map { (node.name, $0) }
        }
        return scored.min { a, b in
            a.1 != b.1 ? a.1 > b.1 : a.0.utf8.lexicographicallyPrecedes(b.0.utf8)
        }?.0
    }

    var description: String {
        "current \(current) limit \(limit ?? "nil") selector \(vmSelector ?? "nil")/\(clusterSelector ?? "nil") "
            + "inFlight \(inFlight) candidates \(candidates)"
    }
}
