import ClusterClient
import Foundation
import Testing

@Suite("ClusterClient node flush / ready (pvc-node-daemon.md §8)")
struct NodeFlushTests {
    @Test("flush writes domainstate flush, unless already flushed; ready writes unflush, unless already ready")
    func writes() async throws {
        try await withVMCluster { cluster in
            try await cluster.node("hv1")
            let flushed = try await cluster.client.flush("hv1")
            #expect(flushed.written == KeyValue(path: "/nodes/hv1/domainstate", value: "flush"))
            #expect(try await cluster.text("/nodes/hv1/domainstate") == "flush")

            try await cluster.write("/nodes/hv1/domainstate", "flushed")
            let version = try await cluster.sandbox.stat("/nodes/hv1/domainstate").version
            let again = try await cluster.client.flush("hv1")
            #expect(again.written == nil)
            #expect(again.message == "Node hv1 is already flushed.")
            #expect(try await cluster.sandbox.stat("/nodes/hv1/domainstate").version == version)

            let readied = try await cluster.client.ready("hv1")
            #expect(readied.written == KeyValue(path: "/nodes/hv1/domainstate", value: "unflush"))
            try await cluster.write("/nodes/hv1/domainstate", "ready")
            #expect(try await cluster.client.ready("hv1").written == nil)

            await expectRefusal(.noSuchNode("hv9")) { try await cluster.client.flush("hv9") }
            await expectRefusal(.noSuchNode("hv9")) { try await cluster.client.ready("hv9") }
        }
    }

    @Test("--wait ends when the node writes flushed / ready")
    func waits() async throws {
        try await withVMCluster { cluster in
            try await cluster.node("hv1")
            let key = "/nodes/hv1/domainstate"
            let flusher = cluster.respond(at: key, when: "flush", with: [(key, "flushed")])
            let flushed = try await cluster.client.flush("hv1", wait: true, timeout: VMTestCluster.waitLimit)
            try await flusher.value
            #expect(flushed.waited && flushed.finalState == "flushed")

            let unflusher = cluster.respond(at: key, when: "unflush", with: [(key, "ready")])
            let ready = try await cluster.client.ready("hv1", wait: true, timeout: VMTestCluster.waitLimit)
            try await unflusher.value
            #expect(ready.finalState == "ready")
        }
    }

    @Test("a flush that ends in flush-failed ends the wait as a failure")
    func flushFailed() async throws {
        try await withVMCluster { cluster in
            try await cluster.node("hv1")
            let key = "/nodes/hv1/domainstate"
            let failer = cluster.respond(at: key, when: "flush", with: [(key, "flush-failed")])
            await expectRefusal(.endedIn(subject: "node hv1", path: key, state: "flush-failed", expected: "flushed")) {
                try await cluster.client.flush("hv1", wait: true, timeout: VMTestCluster.waitLimit)
            }
            try await failer.value
        }
    }

    @Test("a flush nobody acts on times out with the node and its state")
    func flushTimesOut() async throws {
        try await withVMCluster { cluster in
            try await cluster.node("hv1")
            await expectRefusal(.waitTimedOut(subject: "node hv1", path: "/nodes/hv1/domainstate", state: "flush",
                                              timeout: .seconds(1))) {
                try await cluster.client.flush("hv1", wait: true, timeout: .seconds(1))
            }
        }
    }
}
