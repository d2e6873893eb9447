/// pvcnoded's command line: `--config FILE` (or `--config=FILE`), `--help`, `--version`. Parsed by
/// hand: swift-argument-parser links FoundationEssentials, ~4 MiB resident for one option.
struct CommandLineOptions: Equatable {
    enum Action: Equatable {
        case run(configPath: String?)
        case help
        case version
    }

    struct UsageError: Error, CustomStringConvertible {
        let description: String
    }

    static let usage = """
        usage: pvcnoded [--config FILE]

        The PVC node daemon: registers this node in ZooKeeper and keeps it alive.

          --config FILE   the configuration file (default: $PVC_CONFIG_FILE)
          --version       print the version and exit
          -h, --help      print this help and exit
        """

    static func parse(_ arguments: [String]) throws(UsageError) -> Action {
        var configPath: String?
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch argument {
            case "-h", "--help":
                return .help
            case "--version":
                return .version
            case "--config":
                guard let value = rest.popFirst(), !value.hasPrefix("-") else {
                    throw UsageError(description: "--config needs a file name")
                }
                configPath = value
            default:
                if argument.hasPrefix("--config=") {
                    let value = String(argument.dropFirst("--config=".count))
                    guard !value.isEmpty else { throw UsageError(description: "--config needs a file name") }
                    configPath = value
                } else {
                    throw UsageError(description: "unexpected argument '\(argument)'")
                }
            }
        }
        return .run(configPath: configPath)
    }
}
