import ArgumentParser
import ClusterClient

/// What `--wait` adds to a command.
struct WaitOption: ParsableArguments {
    @Flag(help: "Wait until the nodes have acted (bounded by --timeout, default 300 s).")
    var wait = false
}

struct VMStart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Start a VM (state 'start').")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var argument: VMArgument

    func run() async throws {
        let vm = argument.vm
        try await OperationOutput.run(options) { client in try await client.start(vm) }
    }
}

struct VMStop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop",
                                                    abstract: "Forcibly stop a VM (state 'stop').")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var argument: VMArgument

    func run() async throws {
        let vm = argument.vm
        try await OperationOutput.run(options) { client in try await client.stop(vm) }
    }
}

struct VMShutdown: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shutdown", abstract: "Gracefully shut a running VM down (state 'shutdown').")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var argument: VMArgument
    @OptionGroup var waiting: WaitOption

    func run() async throws {
        let (vm, wait, timeout) = (argument.vm, waiting.wait, ClientLimits.waitTimeout(options))
        try await OperationOutput.run(options) { client in
            try await client.shutdown(vm, wait: wait, timeout: timeout)
        }
    }
}

struct VMRestart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restart", abstract: "Restart a running VM (state 'restart').")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var argument: VMArgument
    @OptionGroup var waiting: WaitOption

    func run() async throws {
        let (vm, wait, timeout) = (argument.vm, waiting.wait, ClientLimits.waitTimeout(options))
        try await OperationOutput.run(options) { client in
            try await client.restart(vm, wait: wait, timeout: timeout)
        }
    }
}

struct VMDisable: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disable",
        abstract: "Shut a VM down (or stop it with --force) and mark it disabled (state 'disable').")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var argument: VMArgument

    @Flag(help: "Stop a running VM instead of shutting it down and waiting.")
    var force = false

    func run() async throws {
        let (vm, force, timeout) = (argument.vm, force, ClientLimits.waitTimeout(options))
        try await OperationOutput.run(options) { client in
            try await client.disable(vm, force: force, timeout: timeout)
        }
    }
}

struct VMUndefine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "undefine", abstract: "Stop a VM and delete its definition (its volumes stay).")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var argument: VMArgument

    func run() async throws {
        let vm = argument.vm
        try await OperationOutput.run(options) { client in try await client.undefine(vm) }
    }
}
