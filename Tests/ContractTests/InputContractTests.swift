import Coordination
import Testing

/// Bad input is refused before anything is sent, with a typed error naming the path and saying
/// what was wrong, by every operation of both stores.
@Suite(.timeLimit(.minutes(2)))
struct InputContractTests {
    /// Paths ZooKeeper refuses, each with the reason PathRules gives.
    static let badPaths: [String] = [
        "",
        "relative",
        "relative/child",
        "/trailing/",
        "//",
        "/a//b",
        "/a/./b",
        "/a/../b",
        "/control\u{1}char",
    ]

    @Test(arguments: StoreKind.allCases)
    func everyOperationRefusesABadPathNamingIt(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, store async throws in
            for path in Self.badPaths {
                let signal = WatchSignal()
                let errors = [
                    await expectError(.invalidPath, path: path) { try await store.create(path, data: [], mode: .persistent) },
                    await expectError(.invalidPath, path: path) { try await store.create(path, mode: .ephemeral, makeParents: true) },
                    await expectError(.invalidPath, path: path) { try await store.get(path, watch: signal) },
                    await expectError(.invalidPath, path: path) { try await store.set(path, data: [], version: nil) },
                    await expectError(.invalidPath, path: path) { try await store.delete(path, version: nil) },
                    await expectError(.invalidPath, path: path) { try await store.exists(path, watch: signal) },
                    await expectError(.invalidPath, path: path) { try await store.children(path, watch: signal) },
                    await expectError(.invalidPath, path: path) { try await store.sync(path) },
                    await expectError(.invalidPath, path: path) { try await store.ensurePath(path) },
                    await expectError(.invalidPath, path: path) { try await store.deleteRecursive(path) },
                ]
                for error in errors {
                    // The error says what is wrong with the path, not only that it is.
                    #expect(error?.detail?.isEmpty == false, "\(path): \(String(describing: error))")
                }
                #expect(signal.outcome == nil)
            }
            #expect(try await store.children(contract.root) == [])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aBadPathInATransactionNamesItsOperation(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, store async throws in
            let good = contract.path("good")
            let error = await expectError(.invalidPath, path: "/bad/") {
                try await store.multi([.create(good), .create("/bad/")])
            }
            #expect(error?.failedOperation == 1, "\(String(describing: error))")
            #expect(try await store.exists(good) == nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func dataOverTheLimitIsRefusedAndDataAtTheLimitIsStored(_ kind: StoreKind) async throws {
        try await withContract(kind) { contract, store in
            let limit = CoordinationLimits.maxDataSize
            let tooLarge = [UInt8](repeating: 0x61, count: limit + 1)
            let atLimit = (0..<limit).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let path = contract.path("big")

            let refused = await expectError(.dataTooLarge, path: path) {
                try await store.create(path, data: tooLarge, mode: .persistent)
            }
            #expect(refused?.detail?.contains("\(limit)") == true, "\(String(describing: refused))")
            #expect(try await store.exists(path) == nil)

            #expect(try await store.create(path, data: atLimit, mode: .persistent) == path)
            let stored = try await store.get(path)
            #expect(stored.stat.dataLength == Int32(limit))
            #expect(stored.data == atLimit)

            await expectError(.dataTooLarge, path: path) {
                try await store.set(path, data: tooLarge, version: nil)
            }
            #expect(try await store.get(path).stat.version == 0)
            let reversed = Array(atLimit.reversed())
            #expect(try await store.set(path, data: reversed, version: 0).dataLength == Int32(limit))
            #expect(try await store.get(path).data == reversed)

            let other = contract.path("other")
            let inTransaction = await expectError(.dataTooLarge, path: other) {
                try await store.multi([.check(path, version: 1), .set(other, data: tooLarge)])
            }
            #expect(inTransaction?.failedOperation == 1, "\(String(describing: inTransaction))")
        }
    }
}
