import Coordination
import Testing

/// Every operation of `CoordinationStore`, its results and its errors, the same for both stores.
@Suite(.timeLimit(.minutes(2)))
struct OperationContractTests {
    static var sequenceSuffix: Regex<Substring> { #/[0-9]{10}/# }

    // MARK: create and get

    @Test(arguments: StoreKind.allCases)
    func createPersistentThenGetDataAndStat(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, store in
            let path = contract.path("node")
            #expect(try await store.create(path, data: bytes("hello"), mode: .persistent) == path)

            let node = try await store.get(path)
            #expect(node.text == "hello")
            #expect(node.stat.version == 0)
            #expect(node.stat.cversion == 0)
            #expect(node.stat.dataLength == 5)
            #expect(node.stat.numChildren == 0)
            #expect(node.stat.ephemeralOwner == 0)
            #expect(node.stat.czxid != 0)
            #expect(node.stat.mzxid == node.stat.czxid)
            #expect(try await store.exists(path) == node.stat)

            let root = try #require(try await store.exists(contract.root))
            #expect(root.numChildren == 1)
            #expect(root.pzxid == node.stat.czxid)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func ephemeralIsOwnedByItsSession(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, owner in
            let other = try await contract.session()
            #expect(owner.sessionID != 0)
            #expect(owner.sessionID != other.sessionID)

            let path = contract.path("eph")
            #expect(try await owner.create(path, data: bytes("x"), mode: .ephemeral) == path)
            // Seen from another session: the owner is the creator's session, not the reader's.
            let stat = try await other.get(path).stat
            #expect(stat.ephemeralOwner == owner.sessionID)
            #expect(stat.dataLength == 1)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func sequentialModesAppendAnIncreasingTenDigitSuffix(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, store in
            let queue = contract.path("queue")
            _ = try await store.create(queue, data: [], mode: .persistent)
            let modes: [CreateMode] = [.persistentSequential, .ephemeralSequential, .persistentSequential]
            var created: [String] = []
            for mode in modes {
                let path = try await store.create(queue + "/item-", data: [], mode: mode)
                #expect(path.hasPrefix(queue + "/item-"))
                let suffix = path.dropFirst((queue + "/item-").count)
                #expect(suffix.wholeMatch(of: Self.sequenceSuffix) != nil, "\(path)")
                created.append(path)
            }
            // The suffix is the parent's count of child creates, from zero.
            #expect(created == (0..<3).map { queue + "/item-000000000\($0)" })
            #expect(try await store.get(created[1]).stat.ephemeralOwner == store.sessionID)
            #expect(try await store.get(created[0]).stat.ephemeralOwner == 0)
            #expect(try await store.children(queue) == created.map { PathRules.name(of: $0) })

            // A delete does not give a number back: the next one still counts up.
            try await store.delete(created[2])
            let next = try await store.create(queue + "/item-", data: [], mode: .persistentSequential)
            #expect(next == queue + "/item-0000000003")
            // Served cversion counts creates and deletes (2 × 4 creates − 3 children).
            let parent = try #require(try await store.exists(queue))
            #expect(parent.cversion == 5)
            #expect(parent.numChildren == 3)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func makeParentsCreatesMissingAncestorsEmptyAndPersistent(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, store in
            let path = contract.path("a/b/c")
            await expectError(.noNode, path: path) {
                try await store.create(path, data: [], mode: .persistent)
            }
            #expect(try await store.create(path, data: bytes("leaf"), mode: .ephemeral, makeParents: true) == path)
            #expect(try await store.get(path).text == "leaf")
            #expect(try await store.get(path).stat.ephemeralOwner == store.sessionID)
            for ancestor in [contract.path("a"), contract.path("a/b")] {
                let node = try await store.get(ancestor)
                #expect(node.data.isEmpty)
                #expect(node.stat.ephemeralOwner == 0)
            }
            // With parents present it is a plain create, sequential modes included.
            let sequential = try await store.create(contract.path("a/b/s-"), mode: .persistentSequential,
                                                    makeParents: true)
            #expect(sequential == contract.path("a/b/s-0000000001"))
            await expectError(.nodeExists, path: path) {
                try await store.create(path, mode: .persistent, makeParents: true)
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func createErrorsNameThePathAndChangeNothing(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, store in
            let orphan = contract.path("missing/child")
            await expectError(.noNode, path: orphan) {
                try await store.create(orphan, data: [], mode: .persistent)
            }
            await expectError(.noNode, path: orphan + "-") {
                try await store.create(orphan + "-", data: [], mode: .ephemeralSequential)
            }

            let existing = contract.path("existing")
            _ = try await store.create(existing, data: bytes("first"), mode: .persistent)
            await expectError(.nodeExists, path: existing) {
                try await store.create(existing, data: bytes("second"), mode: .persistent)
            }
            await expectError(.nodeExists, path: existing) {
                try await store.create(existing, data: [], mode: .ephemeral)
            }
            #expect(try await store.get(existing).text == "first")
            #expect(try await store.get(existing).stat.version == 0)

            let ephemeral = contract.path("eph")
            _ = try await store.create(ephemeral, data: [], mode: .ephemeral)
            for mode in CreateMode.allCases {
                let child = ephemeral + "/child"
                await expectError(.noChildrenForEphemerals, path: child) {
                    try await store.create(child, data: [], mode: mode)
                }
            }
            #expect(try await store.children(ephemeral) == [])
            #expect(try await store.children(contract.root) == ["eph", "existing"])
        }
    }

    // MARK: set

    @Test(arguments: StoreKind.allCases)
    func setChecksTheVersionAndMovesIt(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, store in
            let path = contract.path("n")
            _ = try await store.create(path, data: bytes("v0"), mode: .persistent)

            let first = try await store.set(path, data: bytes("v1!"), version: 0)
            #expect(first.version == 1)
            #expect(first.dataLength == 3)
            #expect(first.mzxid > first.czxid)
            #expect(try await store.get(path) == NodeData(data: bytes("v1!"), stat: first))

            await expectError(.badVersion, path: path) {
                try await store.set(path, data: bytes("stale"), version: 0)
            }
            await expectError(.badVersion, path: path) {
                try await store.set(path, data: bytes("future"), version: 5)
            }
            #expect(try await store.get(path) == NodeData(data: bytes("v1!"), stat: first))

            // nil sets whatever the version is; the same bytes again still move it.
            let second = try await store.set(path, data: bytes("v1!"), version: nil)
            #expect(second.version == 2)
            #expect(second.mzxid > first.mzxid)
            #expect(second.czxid == first.czxid)
            // -1 is the wire's "any version", explicit or not.
            let third = try await store.set(path, data: [], version: -1)
            #expect(third.version == 3)
            #expect(third.dataLength == 0)
            #expect(try await store.get(path).data == [])

            let missing = contract.path("missing")
            await expectError(.noNode, path: missing) {
                try await store.set(missing, data: [], version: nil)
            }
            await expectError(.noNode, path: missing) {
                try await store.set(missing, data: [], version: 0)
            }
        }
    }

    // MARK: delete

    @Test(arguments: StoreKind.allCases)
    func deleteChecksVersionAndChildren(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, store in
            let parent = contract.path("parent")
            let child = contract.path("parent/child")
            _ = try await store.create(child, mode: .persistent, makeParents: true)
            _ = try await store.set(child, data: [1], version: 0)

            await expectError(.notEmpty, path: parent) { try await store.delete(parent, version: nil) }
            await expectError(.badVersion, path: child) { try await store.delete(child, version: 0) }
            #expect(try await store.exists(child) != nil)

            try await store.delete(child, version: 1)
            #expect(try await store.exists(child) == nil)
            #expect(try await store.get(parent).stat.numChildren == 0)
            await expectError(.noNode, path: child) { try await store.delete(child, version: nil) }
            await expectError(.noNode, path: child) { try await store.delete(child, version: 1) }

            try await store.delete(parent, version: nil)
            #expect(try await store.exists(parent) == nil)
            let orphan = contract.path("parent/child/grandchild")
            await expectError(.noNode, path: orphan) { try await store.delete(orphan, version: nil) }
        }
    }

    /// ZooKeeper's own nodes are not the client's to delete.
    @Test(arguments: StoreKind.allCases)
    func theRootAndZooKeepersNodesCannotBeDeleted(_ kind: StoreKind) async throws {
        try await withContract(kind) { _, store async throws in
            #expect(try await store.children("/").contains("zookeeper"))
            await expectError(.badArguments, path: "/") { try await store.delete("/", version: nil) }
            await expectError(.badArguments, path: "/zookeeper") { try await store.delete("/zookeeper", version: nil) }
            #expect(try await store.exists("/zookeeper") != nil)
            // /zookeeper/config is read-only (ZNOAUTH, which has no code of its own); the version
            // would not match either, so a store that let the write through changes nothing.
            await expectError(.other(-102), path: "/zookeeper/config") {
                try await store.set("/zookeeper/config", data: [], version: 12_345)
            }
        }
    }

    // MARK: exists, children, sync

    @Test(arguments: StoreKind.allCases)
    func existsGivesTheStatOrNil(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, store in
            let path = contract.path("n")
            #expect(try await store.exists(path) == nil)
            #expect(try await store.exists(contract.path("no/such/parent")) == nil)
            _ = try await store.create(path, data: bytes("abc"), mode: .persistent)
            let stat = try #require(try await store.exists(path))
            #expect(stat == (try await store.get(path).stat))
            #expect(stat.dataLength == 3)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func childrenAreTheSortedNames(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, store in
            for name in ["b", "c", "a", "10", "9", "B"] {
                _ = try await store.create(contract.path(name), data: [], mode: .persistent)
            }
            _ = try await store.create(contract.path("a/deeper"), data: [], mode: .persistent)
            #expect(try await store.children(contract.root) == ["10", "9", "B", "a", "b", "c"])
            #expect(try await store.children(contract.path("a")) == ["deeper"])
            #expect(try await store.children(contract.path("c")) == [])
            #expect(try await store.get(contract.root).stat.numChildren == 6)
            let missing = contract.path("missing")
            await expectError(.noNode, path: missing) { try await store.children(missing) }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func syncThenReadSeesAnotherSessionsWrite(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, reader in
            let writer = try await contract.session()
            let path = contract.path("n")
            _ = try await writer.create(path, data: bytes("written"), mode: .persistent)
            try await reader.sync(path)
            #expect(try await reader.get(path).text == "written")
            // Like ZooKeeper's, a sync of a path that does not exist succeeds.
            try await reader.sync(contract.path("missing"))
            try await reader.sync("/")
        }
    }

    // MARK: Conveniences

    @Test(arguments: StoreKind.allCases)
    func deleteRecursiveRemovesTheSubtreeAndToleratesAbsence(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, store in
            let top = contract.path("top")
            for path in ["top/a/x", "top/a/y", "top/b"] {
                _ = try await store.create(contract.path(path), mode: .persistent, makeParents: true)
            }
            _ = try await store.create(contract.path("top/b/eph"), data: [], mode: .ephemeral)
            _ = try await store.create(contract.path("keep"), data: [], mode: .persistent)

            try await store.deleteRecursive(top)
            #expect(try await store.exists(top) == nil)
            #expect(try await store.children(contract.root) == ["keep"])
            try await store.deleteRecursive(top)
            try await store.deleteRecursive(contract.path("never/was"))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func ensurePathCreatesWhatIsMissingAndKeepsWhatIsThere(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, store in
            let deep = contract.path("x/y/z")
            try await store.ensurePath(deep)
            for path in [contract.path("x"), contract.path("x/y"), deep] {
                let node = try await store.get(path)
                #expect(node.data.isEmpty)
                #expect(node.stat.ephemeralOwner == 0)
            }
            _ = try await store.set(deep, data: bytes("kept"))
            try await store.ensurePath(deep)
            let kept = try await store.get(deep)
            #expect(kept.text == "kept")
            #expect(kept.stat.version == 1)
            try await store.ensurePath("/")
        }
    }
}
