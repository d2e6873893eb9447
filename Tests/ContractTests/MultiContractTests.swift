import Coordination
import Testing

/// Transactions: per-operation results, one zxid, all or nothing, and the failing operation named.
@Suite(.timeLimit(.minutes(2)))
struct MultiContractTests {
    @Test(arguments: StoreKind.allCases)
    func aCommittedTransactionReportsEveryOperation(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, store in
            let queue = contract.path("queue")
            let doomed = contract.path("doomed")
            let node = contract.path("node")
            let ephemeral = contract.path("eph")
            _ = try await store.create(queue, data: [], mode: .persistent)
            _ = try await store.create(doomed, data: [], mode: .persistent)

            let results = try await store.multi([
                .create(node, data: bytes("v0")),
                .create(queue + "/item-", data: [], mode: .persistentSequential),
                .set(node, data: bytes("v1"), version: 0),
                .check(node, version: 1),
                .check(node, version: -1),
                .create(ephemeral, data: [], mode: .ephemeral),
                .delete(doomed, version: 0),
                .create(node + "/child", data: bytes("c")),
            ])

            let stored = try await store.get(node)
            #expect(stored.text == "v1")
            #expect(stored.stat.version == 1)
            #expect(stored.stat.numChildren == 1)
            #expect(results.count == 8)
            #expect(results == [
                .created(node),
                .created(queue + "/item-0000000000"),
                // The stat as the set left it: the child created after it is not counted yet.
                .set(stored.stat.with(numChildren: 0, cversion: 0, pzxid: stored.stat.czxid)),
                .checked,
                .checked,
                .created(ephemeral),
                .deleted,
                .created(node + "/child"),
            ])
            #expect(try await store.exists(doomed) == nil)
            #expect(try await store.get(ephemeral).stat.ephemeralOwner == store.sessionID)
            #expect(try await store.get(node + "/child").text == "c")

            // One transaction, one zxid.
            let zxid = stored.stat.czxid
            #expect(stored.stat.mzxid == zxid)
            #expect(try await store.get(ephemeral).stat.czxid == zxid)
            #expect(try await store.get(queue + "/item-0000000000").stat.czxid == zxid)
            #expect(try await store.get(contract.root).stat.pzxid == zxid)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func anEmptyTransactionReturnsNothing(_ kind: StoreKind) async throws {
        try await withContract(kind) { _, store async throws in
            #expect(try await store.multi([]) == [])
        }
    }

    /// One failing operation anywhere rolls the whole batch back and is named by its index.
    @Test(arguments: StoreKind.allCases)
    func aFailingOperationRollsBackTheWholeTransaction(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, store in
            let existing = contract.path("existing")
            let parent = contract.path("parent")
            let created = contract.path("created")
            let later = contract.path("later")
            _ = try await store.create(existing, data: bytes("old"), mode: .persistent)
            _ = try await store.create(parent + "/child", mode: .persistent, makeParents: true)
            let before = try await snapshot(of: store, contract.root)

            typealias Case = (operations: [Operation], code: CoordinationError.Code, index: Int, path: String)
            let cases: [Case] = [
                ([.create(created), .set(existing, data: bytes("new")), .check(existing, version: 0), .create(later)],
                 .badVersion, 2, existing),
                ([.create(created), .create(existing)], .nodeExists, 1, existing),
                ([.create(existing + "/a"), .delete(parent)], .notEmpty, 1, parent),
                ([.delete(parent + "/child"), .set(later, data: [])], .noNode, 1, later),
                ([.create(contract.path("no/parent"))], .noNode, 0, contract.path("no/parent")),
                ([.set(existing, data: [1], version: 3), .create(created)], .badVersion, 0, existing),
                ([.create(created), .check(later, version: 0)], .noNode, 1, later),
                ([.delete(existing, version: 9)], .badVersion, 0, existing),
                ([.create(created, mode: .ephemeral), .create(created + "/child")],
                 .noChildrenForEphemerals, 1, created + "/child"),
                // Operations see the ones before them: the second create meets the first's node.
                ([.create(created), .create(created)], .nodeExists, 1, created),
            ]
            for failing in cases {
                let error = await expectError(failing.code, path: failing.path) {
                    try await store.multi(failing.operations)
                }
                #expect(error?.failedOperation == failing.index, "\(failing.operations): \(String(describing: error))")
                #expect(try await snapshot(of: store, contract.root) == before, "\(failing.operations)")
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aCommittedTransactionFiresWatchesAndARolledBackOneFiresNone(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, watcher in
            let writer = try await contract.session()
            let node = contract.path("node")
            let other = contract.path("other")
            _ = try await writer.create(other, data: [], mode: .persistent)
            let creation = WatchSignal()
            let change = WatchSignal()
            #expect(try await watcher.exists(node, watch: creation) == nil)
            _ = try await watcher.get(other, watch: change)

            await expectError(.badVersion, path: other) {
                try await writer.multi([.create(node), .set(other, data: [1]), .check(other, version: 0)])
            }
            try await watcher.sync(contract.root)
            #expect(creation.outcome == nil)
            #expect(change.outcome == nil)

            _ = try await writer.multi([.create(node), .set(other, data: [1]), .check(other, version: 1)])
            #expect(try await event(of: creation) == WatchEvent(.created, path: node))
            #expect(try await event(of: change) == WatchEvent(.dataChanged, path: other))
        }
    }

    /// Every node under `root`, with its data and stat, read with one session.
    private func snapshot(of store: any CoordinationStore, _ root: String) async throws -> [String: NodeData] {
        var nodes: [String: NodeData] = [root: try await store.get(root)]
        for name in try await store.children(root) {
            nodes.merge(try await snapshot(of: store, PathRules.join(root, name))) { first, _ in first }
        }
        return nodes
    }
}

extension Stat {
    func with(numChildren: Int32, cversion: Int32, pzxid: Int64) -> Stat {
        var stat = self
        stat.numChildren = numChildren
        stat.cversion = cversion
        stat.pzxid = pzxid
        return stat
    }
}
