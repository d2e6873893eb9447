import ArgumentParser
import ClusterClient
import Foundation

/// `pvcctl vm ...`: what PVC's `pvc vm` writes, through `ClusterClient`.
struct VMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vm",
        abstract: "Virtual machines: define, list, info, start/stop, migrate, undefine, flush-locks.",
        subcommands: [VMDefine.self, VMList.self, VMInfo.self,
                      VMStart.self, VMStop.self, VMShutdown.self, VMRestart.self, VMDisable.self, VMUndefine.self,
                      VMMigrate.self, VMMove.self, VMUnmigrate.self, VMFlushLocks.self])
}

/// The VM argument every per-VM command takes.
struct VMArgument: ParsableArguments {
    @Argument(help: "The VM's name or UUID.")
    var vm: String
}

extension MigrationMethod: ExpressibleByArgument {}

struct VMDefine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "define",
        abstract: "Define a VM from a libvirt domain XML file (state 'stop'), as PVC's define_vm does.",
        discussion: """
            The XML must have <name> and <uuid>, neither already defined. Without --node, the node \
            is chosen by target selection (--selector, else the cluster's default), within --limit.
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The domain XML file.")
    var file: String

    @Option(help: "The node to define the VM on (default: chosen by target selection).")
    var node: String?

    @Option(help: "Migration target selector: mem, memprov, load, vcpus, vms or none (the cluster default).")
    var selector: String?

    @Option(help: ArgumentHelp("Nodes the VM may run on, comma separated (default: any).", valueName: "A,B"))
    var limit: String?

    @Flag(help: "Start the VM when its node is readied (node_autostart).")
    var autostart = false

    @Option(help: "Migration method: none (live, shutdown fallback), live or shutdown.")
    var method: MigrationMethod?

    func run() async throws {
        let xml: String
        do {
            xml = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw CtlError("cannot read \(file): \(error.localizedDescription)")
        }
        let nodes = (limit ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        let (node, selector, autostart, method) = (node, selector, autostart, method)
        try await OperationOutput.run(options) { client in
            try await client.define(xml: xml, node: node, selector: selector, limit: nodes, autostart: autostart,
                                    method: method)
        }
    }
}

struct VMList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "One row per VM: name, UUID, state, node, last node.")

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let vms = try await withClient(options) { client in try await client.list() }
        switch options.format {
        case .table:
            let rows = vms.map { vm in
                [Output.cell(vm.name), vm.uuid, Output.cell(vm.state), Output.cell(vm.node), Output.cell(vm.lastNode),
                 Output.cell(vm.migrationMethod), Output.cell(vm.autostart)]
            }
            print(Output.table(header: ["NAME", "UUID", "STATE", "NODE", "LASTNODE", "MIGRATION", "AUTOSTART"],
                               rows: rows))
        case .json:
            print(try Output.json(vms.map(VMText.json)))
        }
    }
}

struct VMInfo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "One VM's state, placement and metadata.")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var argument: VMArgument

    func run() async throws {
        let vm = argument.vm
        let summary = try await withClient(options) { client in try await client.info(vm) }
        switch options.format {
        case .table:
            let rows = VMText.fields(summary).map { [$0.0, $0.1.map { Output.cell($0, limit: 100) } ?? "?"] }
            print(Output.table(header: ["KEY", "VALUE"], rows: rows))
        case .json:
            print(try Output.json(VMText.json(summary)))
        }
    }
}

/// A VM summary's fields under PVC's key names.
enum VMText {
    static func fields(_ vm: VMSummary) -> [(String, String?)] {
        [("name", vm.name), ("uuid", vm.uuid), ("state", vm.state), ("node", vm.node), ("lastnode", vm.lastNode),
         ("failedreason", vm.failedReason), ("migration_method", vm.migrationMethod),
         ("node_limit", vm.nodeLimit), ("node_selector", vm.nodeSelector), ("node_autostart", vm.autostart),
         ("vnc", vm.vnc), ("stats", vm.stats)]
    }

    static func json(_ vm: VMSummary) -> [String: Any] {
        var object: [String: Any] = [:]
        for (key, value) in fields(vm) { object[key] = Output.jsonValue(value) }
        return object
    }
}
