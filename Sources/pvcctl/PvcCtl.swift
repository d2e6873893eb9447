import ArgumentParser

/// The operator's command line: writes the intent keys PVC's API writes, reads the cluster's state.
@main
struct PvcCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pvcctl",
        abstract: "Drive a PVC cluster through its ZooKeeper tree.",
        subcommands: [ClusterCommand.self, NodeCommand.self, VMCommand.self]
    )
}

struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Cluster-wide state: initialize, status, maintenance.",
        subcommands: [ClusterInit.self, ClusterStatus.self, ClusterMaintenance.self]
    )
}

struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "The cluster's nodes: list, info, flush/ready, and the coordinators' primary/secondary roles.",
        subcommands: [NodeList.self, NodeInfo.self, NodePrimary.self, NodeSecondary.self, NodeFlush.self, NodeReady.self]
    )
}
