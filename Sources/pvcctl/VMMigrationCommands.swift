import ArgumentParser
import ClusterClient

/// What `migrate` and `move` take besides the VM.
struct MigrationOptions: ParsableArguments {
    @Option(help: "The node to move to (default: chosen by target selection).")
    var target: String?

    @Flag(help: "Live migration only, no shutdown fallback (state 'migrate-live').")
    var live = false
}

struct VMMigrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Migrate a VM temporarily (lastnode remembers where it was).",
        discussion: "Refused if the VM was migrated already (lastnode set), unless --force.")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var argument: VMArgument
    @OptionGroup var migration: MigrationOptions
    @OptionGroup var waiting: WaitOption

    @Flag(help: "Migrate even if the VM was migrated already (keeps its original lastnode).")
    var force = false

    func run() async throws {
        let (vm, target, live, force) = (argument.vm, migration.target, migration.live, force)
        let (wait, timeout) = (waiting.wait, ClientLimits.waitTimeout(options))
        try await OperationOutput.run(options) { client in
            try await client.migrate(vm, target: target, live: live, force: force, wait: wait, timeout: timeout)
        }
    }
}

struct VMMove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "move",
        abstract: "Move a VM permanently (lastnode cleared).",
        discussion: "Moving to the VM's current node makes a temporary migration permanent.")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var argument: VMArgument
    @OptionGroup var migration: MigrationOptions
    @OptionGroup var waiting: WaitOption

    func run() async throws {
        let (vm, target, live) = (argument.vm, migration.target, migration.live)
        let (wait, timeout) = (waiting.wait, ClientLimits.waitTimeout(options))
        try await OperationOutput.run(options) { client in
            try await client.move(vm, target: target, live: live, wait: wait, timeout: timeout)
        }
    }
}

struct VMUnmigrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unmigrate", abstract: "Migrate a VM back to its lastnode.")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var argument: VMArgument
    @OptionGroup var waiting: WaitOption

    @Flag(help: "Live migration only, no shutdown fallback (state 'migrate-live').")
    var live = false

    func run() async throws {
        let (vm, live, wait, timeout) = (argument.vm, live, waiting.wait, ClientLimits.waitTimeout(options))
        try await OperationOutput.run(options) { client in
            try await client.unmigrate(vm, live: live, wait: wait, timeout: timeout)
        }
    }
}
