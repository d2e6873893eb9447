import ClusterClient
import Coordination
import Foundation

/// Connects, builds a `ClusterClient` on the cluster's schema, runs `body`, closes. Client
/// refusals become one line on stderr like every other pvcctl error.
func withClient<T: Sendable>(_ options: GlobalOptions,
                             _ body: @Sendable (ClusterClient) async throws -> T) async throws -> T {
    let schema = try Schema.current()
    let lockTimeout = ClientLimits.lockTimeout(options)
    return try await withStore(options) { store in
        let client = ClusterClient(store: store, schema: schema, lockTimeout: lockTimeout, identifier: "pvcctl")
        do {
            return try await body(client)
        } catch let error as ClusterClientError {
            throw CtlError(error.description)
        }
    }
}

/// How long VM and node commands wait, from `--timeout`.
enum ClientLimits {
    /// `--wait`'s bound: --timeout, else 300 s (a shutdown may take PVC's 180 s shutdown timeout).
    static func waitTimeout(_ options: GlobalOptions) -> Duration {
        .milliseconds(Int64((options.timeout ?? 300) * 1000))
    }

    /// The state lock's bound: --timeout, else 30 s (a migrating node holds the lock meanwhile).
    static func lockTimeout(_ options: GlobalOptions) -> Duration {
        .milliseconds(Int64((options.timeout ?? 30) * 1000))
    }
}

/// How VM operations print: PVC's message, warnings on stderr, JSON with every key written.
enum OperationOutput {
    /// Runs one client operation and prints its result: the whole of most VM and node commands.
    static func run(_ options: GlobalOptions,
                    _ operation: @Sendable (ClusterClient) async throws -> VMOperationResult) async throws {
        try report(try await withClient(options, operation), format: options.format)
    }

    static func run(_ options: GlobalOptions,
                    _ operation: @Sendable (ClusterClient) async throws -> NodeDomainStateResult) async throws {
        try report(try await withClient(options, operation), format: options.format)
    }

    static func report(_ result: VMOperationResult, format: OutputFormat) throws {
        warn(result.warnings)
        switch format {
        case .table:
            print(result.message)
            if let choice = result.targetChoice { print("Target chosen: \(choice)") }
            if result.waited { print("VM \(result.vm) is now in state \(Output.cell(result.finalState))") }
        case .json:
            var object: [String: Any] = [
                "uuid": result.vm.uuid,
                "name": result.vm.name,
                "message": result.message,
                "written": written(result.written),
                "warnings": result.warnings,
                "waited": result.waited,
            ]
            if result.waited { object["state"] = Output.jsonValue(result.finalState) }
            if let choice = result.targetChoice { object["target_choice"] = choice }
            print(try Output.json(object))
        }
    }

    static func report(_ result: NodeDomainStateResult, format: OutputFormat) throws {
        switch format {
        case .table:
            print(result.message)
            if result.waited { print("Node \(result.node) is now \(Output.cell(result.finalState))") }
        case .json:
            var object: [String: Any] = [
                "node": result.node,
                "message": result.message,
                "written": written(result.written.map { [$0] } ?? []),
                "waited": result.waited,
            ]
            if let final = result.finalState { object["domainstate"] = final }
            print(try Output.json(object))
        }
    }

    /// Written keys as [{"path": ..., "value": ...}] in write order.
    static func written(_ pairs: [KeyValue]) -> [[String: String]] {
        pairs.map { ["path": $0.path, "value": $0.value] }
    }

    static func warn(_ warnings: [String]) {
        for warning in warnings {
            FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
        }
    }
}
