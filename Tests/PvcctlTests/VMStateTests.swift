import ClusterClient
import Foundation
import Testing

@Suite("ClusterClient start/stop/shutdown/restart/disable/undefine")
struct VMStateTests {
    @Test("start and stop write state alone, under a lock that is released")
    func startStop() async throws {
        try await withVMCluster { cluster in
            try await cluster.threeNodes()
            let uuid = try await cluster.define("web1", on: "hv1")
            let started = try await cluster.client.start("web1")
            #expect(started.written == [KeyValue(path: "/domains/\(uuid)/state", value: "start")])
            #expect(try await cluster.text("/domains/\(uuid)/state") == "start")
            #expect(try await cluster.contenders("/domains/\(uuid)/state").isEmpty)
            _ = try await cluster.client.stop(uuid)
            #expect(try await cluster.text("/domains/\(uuid)/state") == "stop")
            #expect(try await cluster.contenders("/domains/\(uuid)/state").isEmpty)
            // Nothing but the state moved.
            #expect(try await cluster.text("/domains/\(uuid)/node") == "hv1")
            #expect(try await cluster.text("/domains/\(uuid)/lastnode") == "")
        }
    }

    @Test("shutdown and restart need state start")
    func needsStart() async throws {
        try await withVMCluster { cluster in
            try await cluster.threeNodes()
            let uuid = try await cluster.define("web1", on: "hv1")
            let vm = "'web1' (\(uuid))"
            await expectRefusal(.notRunning(vm: vm, state: "stop")) { try await cluster.client.shutdown("web1") }
            await expectRefusal(.notRunning(vm: vm, state: "stop")) { try await cluster.client.restart("web1") }
            #expect(try await cluster.text("/domains/\(uuid)/state") == "stop")
            #expect(try await cluster.contenders("/domains/\(uuid)/state").isEmpty)
            try await cluster.set(uuid, ["state": "start"])
            _ = try await cluster.client.restart("web1")
            #expect(try await cluster.text("/domains/\(uuid)/state") == "restart")
        }
    }

    @Test("shutdown --wait ends when the node writes stop; restart --wait when it writes start")
    func waits() async throws {
        try await withVMCluster { cluster in
            try await cluster.threeNodes()
            let uuid = try await cluster.define("web1", on: "hv1")
            let state = "/domains/\(uuid)/state"
            try await cluster.set(uuid, ["state": "start"])
            let stopper = cluster.respond(at: state, when: "shutdown", with: [(state, "stop")])
            let shut = try await cluster.client.shutdown("web1", wait: true, timeout: VMTestCluster.waitLimit)
            try await stopper.value
            #expect(shut.waited && shut.finalState == "stop")

            try await cluster.set(uuid, ["state": "start"])
            let restarter = cluster.respond(at: state, when: "restart", with: [(state, "start")])
            let restarted = try await cluster.client.restart("web1", wait: true, timeout: VMTestCluster.waitLimit)
            try await restarter.value
            #expect(restarted.finalState == "start")

            // A shutdown the node turns into a failure is reported as one.
            let failer = cluster.respond(at: state, when: "shutdown", with: [(state, "fail")])
            await expectRefusal(.endedIn(subject: "VM 'web1' (\(uuid))", path: state, state: "fail", expected: "stop")) {
                try await cluster.client.shutdown("web1", wait: true, timeout: VMTestCluster.waitLimit)
            }
            try await failer.value
        }
    }

    @Test("a wait nobody ends times out, naming the VM and the state it is stuck in")
    func waitTimesOut() async throws {
        try await withVMCluster { cluster in
            try await cluster.threeNodes()
            let uuid = try await cluster.define("web1", on: "hv1")
            try await cluster.set(uuid, ["state": "start"])
            let started = ContinuousClock.now
            let expected = ClusterClientError.waitTimedOut(subject: "VM 'web1' (\(uuid))", path: "/domains/\(uuid)/state",
                                                           state: "shutdown", timeout: .seconds(1))
            await expectRefusal(expected) { try await cluster.client.shutdown("web1", wait: true, timeout: .seconds(1)) }
            #expect(ContinuousClock.now - started < .seconds(30))
            #expect(expected.description.contains("'web1'") && expected.description.contains("'shutdown'"))
        }
    }

    @Test("disable: a running VM is shut down and waited for, or stopped with force, then disabled")
    func disable() async throws {
        try await withVMCluster { cluster in
            try await cluster.threeNodes()
            let uuid = try await cluster.define("web1", on: "hv1")
            let state = "/domains/\(uuid)/state"
            try await cluster.set(uuid, ["state": "start"])
            let stopper = cluster.respond(at: state, when: "shutdown", with: [(state, "stop")])
            let graceful = try await cluster.client.disable("web1", timeout: VMTestCluster.waitLimit)
            try await stopper.value
            #expect(graceful.written.map(\.value) == ["shutdown", "disable"])
            #expect(try await cluster.text(state) == "disable")

            try await cluster.set(uuid, ["state": "start"])
            let forced = try await cluster.client.disable("web1", force: true)
            #expect(forced.written.map(\.value) == ["stop", "disable"])
            #expect(try await cluster.text(state) == "disable")

            let stopped = try await cluster.client.disable("web1")
            #expect(stopped.written.map(\.value) == ["disable"])
        }
    }

    @Test("undefine: stop if needed, delete, then the whole tree goes")
    func undefine() async throws {
        try await withVMCluster { cluster in
            try await cluster.threeNodes()
            let uuid = try await cluster.define("web1", on: "hv1")
            let keep = try await cluster.define("web2", on: "hv1")
            try await cluster.set(uuid, ["state": "start"])
            let result = try await cluster.client.undefine("web1")
            #expect(result.written.map(\.value) == ["stop", "delete"])
            #expect(try await cluster.store.exists("/domains/\(uuid)") == nil)
            #expect(try await cluster.store.children("/domains") == [keep])
            let stopped = try await cluster.client.undefine(keep)
            #expect(stopped.written.map(\.value) == ["delete"])
            await expectRefusal(.noSuchVM("web1")) { try await cluster.client.start("web1") }
        }
    }
}
