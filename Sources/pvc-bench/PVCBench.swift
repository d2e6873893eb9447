import ArgumentParser

/// The root command. Each subcommand measures one part of the stack and prints one JSON line.
struct PVCBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pvc-bench",
        abstract: "Prints performance figures of pvcnoded-swift's building blocks as one JSON line.",
        discussion: """
            Figures, never a verdict: each subcommand prints one JSON object on stdout and its \
            progress on stderr. Without --zk a standalone ZooKeeper is started in a temporary \
            directory and stopped at the end.
            """,
        subcommands: [ZooKeeperBenchmark.self, FootprintBenchmark.self, SwitchoverBenchmark.self, MigrationBenchmark.self, FlushBenchmark.self,
                      FailoverBenchmark.self, RBDLockBenchmark.self]
    )
}
