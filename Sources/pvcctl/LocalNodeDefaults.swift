import NodeConfiguration

/// Where a command finds the cluster (`--zk`) and the node it acts on (NAME) when its command line leaves them out:
/// this node's own config file, the one pvcnoded runs with, so that `pvcctl node ready --wait` on a node readies that
/// node. Only decides where each comes from; reading the file is `LocalNodeConfig`'s. The environment and the
/// file-existence check are passed in so that every branch is testable without touching the machine.
struct LocalNodeDefaults {
    /// PVC's own path, which the packaged unit also sets in PVC_CONFIG_FILE: pvcctl run by hand on a node finds the
    /// daemon's file without being told.
    static let standardConfigFile = "/etc/pvc/pvc.conf"
    static let connectVariable = "PVC_ZK"
    static let configVariable = ConfigurationLoader.environmentVariable

    /// `--config`.
    var configFlag: String?
    var environment: [String: String]
    /// `standardConfigFile`, except in tests, which cannot create it.
    var standardFile: String = standardConfigFile
    var fileExists: (String) -> Bool

    /// Where a value comes from.
    enum Source: Equatable {
        /// On the command line or in PVC_ZK, as typed.
        case given(String)
        /// To be read from this config file.
        case configFile(String)
    }

    /// `--zk`, else the file `--config` names, else PVC_ZK, else the file PVC_CONFIG_FILE names, else the standard
    /// file if it exists. The more explicit wins: a command line over the environment, and a connect string over a
    /// file at the same level, since the file may hold more than the operator meant to choose.
    func connectString(zk: String?) throws -> Source {
        if let zk = Self.given(zk) { return .given(zk) }
        if let file = Self.given(configFlag) { return .configFile(file) }
        if let zk = Self.given(environment[Self.connectVariable]) { return .given(zk) }
        if let file = configFile { return .configFile(file) }
        throw CtlError("no ZooKeeper given: pass --zk HOST:PORT[/CHROOT] or --config FILE, or set "
            + "\(Self.connectVariable) or \(Self.configVariable) (\(standardFile) does not exist)")
    }

    /// NAME, else this node's name from its config file. An empty NAME stays as given: a script's unset variable
    /// must not turn `node flush "$NODE"` into a flush of the node it runs on.
    func nodeName(_ name: String?) throws -> Source {
        if let name { return .given(name) }
        if let file = configFile { return .configFile(file) }
        throw CtlError("no node given: pass NAME, or point pvcctl at the node's config file with --config FILE or "
            + "\(Self.configVariable) (\(standardFile) does not exist)")
    }

    /// `--config`, else PVC_CONFIG_FILE, else the standard file if it exists. A file that was named is used even if
    /// it is missing, so that the operator hears about it instead of getting a quieter fallback.
    var configFile: String? {
        if let file = Self.given(configFlag) { return file }
        if let file = Self.given(environment[Self.configVariable]) { return file }
        return fileExists(standardFile) ? standardFile : nil
    }

    /// Blank counts as not given, as the daemon's loader treats an empty `--config` or PVC_CONFIG_FILE: an empty
    /// variable usually means an unset one.
    private static func given(_ value: String?) -> String? {
        guard let value, !value.allSatisfy(\.isWhitespace) else { return nil }
        return value
    }
}
