import Coordination
import CZooKeeper
import Glibc

/// The memory of one `zoo_amulti` call. The library writes `results`, each create's path buffer
/// and each set's Coordination.Stat from its completion thread (swift-interop §3.7), so all of it lives as long
/// as the request's entry in the in-flight table: until the completion ran or the handle was closed.
final class MultiRequest: @unchecked Sendable {
    // Unchecked: the buffers are written by the library before the completion runs and read by the
    // caller only after it has been resumed by that completion.
    private let operations: [Operation]
    private let ops: UnsafeMutablePointer<zoo_op_t>
    private let resultSlots: UnsafeMutablePointer<zoo_op_result_t>
    private var owned: [UnsafeMutableRawPointer] = []
    private var createdPaths: [Int: UnsafeMutablePointer<CChar>] = [:]
    private var setStats: [Int: UnsafeMutablePointer<CZooKeeper.Stat>] = [:]

    /// Long enough for any path ZooKeeper accepts with a sequence suffix; the library truncates
    /// (and NUL-terminates) rather than overflow.
    private static let pathBufferSize = 4096

    init(_ operations: [Operation]) {
        self.operations = operations
        ops = .allocate(capacity: operations.count)
        resultSlots = .allocate(capacity: operations.count)
        resultSlots.initialize(repeating: zoo_op_result_t(), count: operations.count)
        for (index, operation) in operations.enumerated() {
            let op = ops + index
            op.initialize(to: zoo_op_t())
            switch operation {
            case .create(let path, let data, let mode):
                let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: Self.pathBufferSize)
                buffer.initialize(repeating: 0, count: Self.pathBufferSize)
                owned.append(UnsafeMutableRawPointer(buffer))
                createdPaths[index] = buffer
                let flags: Int32 = (mode.isEphemeral ? ZOO_EPHEMERAL : 0) | (mode.isSequential ? ZOO_SEQUENCE : 0)
                zoo_create_op_init(op, keep(path), keep(data), Int32(data.count), czk_open_acl_unsafe(), flags,
                                   buffer, Int32(Self.pathBufferSize))
            case .set(let path, let data, let version):
                let stat = UnsafeMutablePointer<CZooKeeper.Stat>.allocate(capacity: 1)
                stat.initialize(to: CZooKeeper.Stat())
                owned.append(UnsafeMutableRawPointer(stat))
                setStats[index] = stat
                zoo_set_op_init(op, keep(path), keep(data), Int32(data.count), version ?? -1, stat)
            case .delete(let path, let version):
                zoo_delete_op_init(op, keep(path), version ?? -1)
            case .check(let path, let version):
                zoo_check_op_init(op, keep(path), version)
            }
        }
    }

    deinit {
        ops.deinitialize(count: operations.count)
        ops.deallocate()
        resultSlots.deinitialize(count: operations.count)
        resultSlots.deallocate()
        for pointer in owned { free(pointer) }
    }

    func submit(_ zh: OpaquePointer, completion: void_completion_t, context: UnsafeMutableRawPointer?) -> Int32 {
        zoo_amulti(zh, Int32(operations.count), ops, resultSlots, completion, context)
    }

    /// The per-operation results of a committed transaction.
    func results() -> [OperationResult] {
        operations.indices.map { index in
            switch operations[index] {
            case .create:
                return .created(createdPaths[index].map { String(cString: $0) } ?? "")
            case .set:
                return .set(setStats[index].map { Coordination.Stat($0.pointee) } ?? Coordination.Stat())
            case .delete:
                return .deleted
            case .check:
                return .checked
            }
        }
    }

    /// The operation that failed a rolled-back transaction and its code. The others report
    /// ZRUNTIMEINCONSISTENCY ("not run"); a system error (connection loss) may leave every slot untouched.
    func failure() -> (index: Int, rc: Int32)? {
        for index in operations.indices {
            let rc = resultSlots[index].err
            if rc != ZOK.rawValue && rc != ZRUNTIMEINCONSISTENCY.rawValue {
                return (index, rc)
            }
        }
        return nil
    }

    /// A C copy of a string that lives as long as the request (the library keeps the pointer).
    private func keep(_ string: String) -> UnsafePointer<CChar>? {
        guard let copy = strdup(string) else { return nil }
        owned.append(UnsafeMutableRawPointer(copy))
        return UnsafePointer(copy)
    }

    /// A C copy of data that lives as long as the request; nil for empty data.
    private func keep(_ data: [UInt8]) -> UnsafePointer<CChar>? {
        guard !data.isEmpty, let copy = malloc(data.count) else { return nil }
        data.withUnsafeBytes { bytes in
            if let source = bytes.baseAddress { copy.copyMemory(from: source, byteCount: bytes.count) }
        }
        owned.append(copy)
        return UnsafePointer(copy.assumingMemoryBound(to: CChar.self))
    }
}
