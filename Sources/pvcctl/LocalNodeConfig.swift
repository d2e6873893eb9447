import NodeConfiguration

/// What pvcctl takes from a node's config file: the cluster's ZooKeeper and the node's name. Read with the daemon's
/// own loader so that both are exactly what pvcnoded runs with, defaults included.
struct LocalNodeConfig: Sendable, Equatable {
    let file: String
    /// `database.zookeeper.connect`, else every coordinator on `database.zookeeper.port`.
    let connectString: String
    /// `node.name`, else the short hostname.
    let nodeName: String

    /// The loader's warnings (unknown keys and the like) are not shown: they are about running the daemon, which
    /// reports them itself, and would only clutter a command's output.
    static func load(_ file: String) throws -> LocalNodeConfig {
        let loaded: LoadedConfiguration
        do {
            // An explicit path: the environment was already consulted in choosing it.
            loaded = try ConfigurationLoader.load(explicitPath: file, environment: [:])
        } catch {
            // The loader's message names the file and the key; flattened to one line like every pvcctl error.
            let message = error.description.split(whereSeparator: \.isNewline).joined(separator: " ")
            throw CtlError("config file \(message)")
        }
        let configuration = loaded.configuration
        return LocalNodeConfig(file: file, connectString: configuration.zookeeperConnectString,
                               nodeName: configuration.node.name)
    }
}
