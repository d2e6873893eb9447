import ClusterClient
import Foundation
import Testing
import TestSupport
import VMCluster

/// 200 migrations back to back, live, default and shutdown mixed, each waited for as PVC's
/// client waits: none may end stuck in a migration state, on two hosts, or on no host.
@Suite(.serialized, .timeLimit(.minutes(25)))
struct LoopedMigrationTests {
    @Test func twoHundredMigrationsEndWithNothingStuck() async throws {
        var options = VMCluster.Options()
        options.shutdownTimeoutSeconds = 1
        try await VMCluster.with(options) { cluster in
            let methods: [(String, MigrationMethod?, Bool)] = [
                ("loop-live", nil, true), ("loop-default", nil, false), ("loop-shutdown", .shutdown, false),
            ]
            var vms: [(uuid: String, live: Bool)] = []
            for (index, (name, method, live)) in methods.enumerated() {
                let uuid = try await cluster.define(name: name, node: VMCluster.nodeNames[index], method: method)
                _ = try await cluster.client.start(uuid)
                vms.append((uuid, live))
            }
            for vm in vms {
                #expect(try await cluster.eventually { try await cluster.runningOn(vm.uuid).count == 1 })
            }
            var random = SplitMix64(seed: 0x5eed_0200)
            var stuck: [String] = []
            for round in 0..<200 {
                let vm = vms[round % vms.count]
                let current = await cluster.value("/domains/\(vm.uuid)/node") ?? ""
                let others = VMCluster.nodeNames.filter { $0 != current }
                let target = others[random.next(below: others.count)]
                _ = try await cluster.client.move(vm.uuid, target: target, live: vm.live, wait: true, timeout: .seconds(120))
                // After a shutdown migration the wait ends at the hand-over (`start`), before the
                // target has cold-started the VM: give it that moment.
                _ = try await cluster.eventually(timeout: .seconds(30)) { try await cluster.runningOn(vm.uuid) == [target] }
                let running = try await cluster.runningOn(vm.uuid)
                let state = await cluster.value("/domains/\(vm.uuid)/state")
                if running != [target] || state != "start" {
                    stuck.append("round \(round): \(vm.uuid) → \(target): state \(state ?? "-"), running on \(running)")
                }
            }
            #expect(stuck.isEmpty, "\(stuck.joined(separator: "\n"))\n\(cluster.logTails())")
            for vm in vms {
                // The source releases its locks right after writing the outcome the client waited for.
                for path in ["state", "node", "migrate_sync_lock"] {
                    #expect(try await cluster.eventually(timeout: .seconds(10)) {
                        try await cluster.session.children("/domains/\(vm.uuid)/\(path)").isEmpty
                    }, "a lock left on \(path)")
                }
            }
        }
    }
}
