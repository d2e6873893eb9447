import ArgumentParser
import ClusterClient

/// `pvc node flush [NAME]`: `domainstate` = flush; the node moves its VMs away.
struct NodeFlush: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flush",
        abstract: "Take a node out of service: its VMs move away (domainstate 'flush').",
        discussion: "With --wait, returns once the node is 'flushed'; a flush that ends otherwise is an error.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The node's name (default: this node, from its config file).")
    var name: String?

    @OptionGroup var waiting: WaitOption

    func run() async throws {
        let name = try options.nodeName(name)
        let (wait, timeout) = (waiting.wait, ClientLimits.waitTimeout(options))
        try await OperationOutput.run(options) { client in
            try await client.flush(name, wait: wait, timeout: timeout)
        }
    }
}

/// `pvc node ready [NAME]`: `domainstate` = unflush; the node takes its VMs back.
struct NodeReady: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ready",
        abstract: "Return a node to service: its VMs come back (domainstate 'unflush').",
        discussion: "With --wait, returns once the node is 'ready'; an unflush that ends otherwise is an error.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The node's name (default: this node, from its config file).")
    var name: String?

    @OptionGroup var waiting: WaitOption

    func run() async throws {
        let name = try options.nodeName(name)
        let (wait, timeout) = (waiting.wait, ClientLimits.waitTimeout(options))
        try await OperationOutput.run(options) { client in
            try await client.ready(name, wait: wait, timeout: timeout)
        }
    }
}
