// swift-tools-version:6.0
// Swift 6 language mode (the default with 6.0 tools): strict concurrency is an error, not a warning.
import PackageDescription

let package = Package(
    name: "pvcnoded-swift",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Coordination", targets: ["Coordination"]),
        .library(name: "ZooKeeper", targets: ["ZooKeeper"]),
        .library(name: "ClusterSchema", targets: ["ClusterSchema"]),
        .library(name: "NodeConfiguration", targets: ["NodeConfiguration"]),
        .executable(name: "pvc-bench", targets: ["pvc-bench"]),
        .executable(name: "pvcnoded", targets: ["pvcnoded"]),
        .executable(name: "pvcctl", targets: ["pvcctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // C libraries. System library targets take no flags: everything they need is in shim.h.
        .systemLibrary(name: "CZooKeeper", path: "Sources/CZooKeeper",
                       providers: [.apt(["libzookeeper-mt-dev"])]),
        .systemLibrary(name: "CLibvirt", path: "Sources/CLibvirt", pkgConfig: "libvirt",
                       providers: [.apt(["libvirt-dev"])]),
        .systemLibrary(name: "CRados", path: "Sources/CRados", providers: [.apt(["librados-dev"])]),
        .systemLibrary(name: "CRBD", path: "Sources/CRBD", providers: [.apt(["librbd-dev"])]),
        // librados and librbd opened on first use (dlopen), not linked: a node without storage never
        // maps them (~12 MiB resident). CRados and CRBD, which link them, remain for the binding tests.
        .target(name: "CCephLoader"),

        // The coordination protocol, its in-memory store and the Kazoo-compatible lock recipes.
        // No C here: the decision core and the simulator stand on this module alone.
        .target(name: "Coordination", dependencies: [
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Blocking C calls on threads of their own, off the two-thread cooperative pool.
        .target(name: "DedicatedThreads"),
        // The async ZooKeeper client over libzookeeper_mt, conforming to Coordination's protocol.
        .target(name: "ZooKeeper", dependencies: [
            "CZooKeeper", "Coordination", "DedicatedThreads",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // PVC's ZooKeeper key layout, versions 0 to 15 and our extension: resolve, diff, validate,
        // apply, migrate.
        // The JSON files under schema/ are compiled in by the EmbedSchema plugin: the daemon reads
        // them without Foundation (whose libraries alone cost ~8 MiB of resident memory).
        .target(name: "ClusterSchema", dependencies: ["Coordination"], plugins: ["EmbedSchema"]),
        // Build-time only: turns schema/*.json into Swift string literals for ClusterSchema.
        .executableTarget(name: "schema-embedder"),
        .plugin(name: "EmbedSchema", capability: .buildTool(), dependencies: ["schema-embedder"]),
        // pvcnoded's YAML configuration: parsed, checked and defaulted before anything else runs.
        // Its own reader for the YAML that configuration files use, so the daemon links no
        // Foundation (Yams needs it); the tests check the reader against Yams.
        .target(name: "NodeConfiguration"),
        // libvirt: domains created, stopped, migrated and watched, every call bounded and every
        // error typed with libvirt's own message. No Foundation (the daemon links it).
        .target(name: "Hypervisor", dependencies: [
            "CLibvirt", "DedicatedThreads", .product(name: "Logging", package: "swift-log"),
        ]),
        // The node's own statistics for the keepalive, from /proc.
        .target(name: "HostStats"),
        // The node's addresses: floating addresses added and removed with `ip`, announced with
        // gratuitous ARP; every command bounded. No Foundation (the daemon links it).
        .target(name: "HostNetwork", dependencies: [
            "DedicatedThreads", .product(name: "Logging", package: "swift-log"),
        ]),
        // A node's BMC over `ipmitool -I lanplus`: power off, on and status, every call bounded, the
        // password passed through the environment (never on a command line). No Foundation.
        .target(name: "PowerControl", dependencies: [
            "HostNetwork", .product(name: "Logging", package: "swift-log"),
        ]),
        // The pure decision core: plain structs, events in, directives out, time passed in.
        .target(name: "NodeCore", dependencies: ["Coordination", "ClusterSchema"]),
        // Ceph through librados and librbd (not the CLIs): RBD lockers, lock breaking, blocklisting,
        // mon commands and pool figures, every call bounded and off the cooperative pool.
        .target(name: "CephStorage", dependencies: [
            "CCephLoader", "DedicatedThreads", .product(name: "Logging", package: "swift-log"),
        ]),
        // Ceph's mon command outputs turned into the documents PVC publishes under /ceph (pure).
        .target(name: "StorageReports", dependencies: ["ClusterSchema"]),
        // The node daemon: configuration, session, registration, keepalive, signals. Nothing in
        // its dependency graph imports Foundation (the footprint target is 20 MiB resident).
        .executableTarget(name: "pvcnoded", dependencies: [
            "NodeCore", "ZooKeeper", "Coordination", "ClusterSchema", "NodeConfiguration", "HostStats", "HostNetwork",
            "Hypervisor", "ClusterReads", "PowerControl", "CephStorage", "StorageReports",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            // CoreMetrics, not Metrics, and no ArgumentParser: both pull in FoundationEssentials.
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            "DedicatedThreads",
        ]),
        // What PVC's API and CLI write for VMs and nodes (define, start, migrate, flush, ...), with
        // their preconditions and waits: pvcctl, the cluster tests and pvc-bench drive nodes with it.
        .target(name: "ClusterClient", dependencies: ["Coordination", "ClusterSchema", "NodeCore", "ClusterReads"]),
        // Reads of the cluster's state that the daemon and the client share (no Foundation: the
        // daemon links it).
        .target(name: "ClusterReads", dependencies: ["Coordination", "ClusterSchema", "NodeCore"]),
        // The operator's CLI: writes the intent keys PVC's API writes, reads the cluster's state.
        .executableTarget(name: "pvcctl", dependencies: [
            "ZooKeeper", "Coordination", "ClusterSchema", "ClusterClient", "CephStorage", "NodeConfiguration",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Starts and stops the project's own services (ZooKeeper, network namespaces, libvirtd)
        // through scripts/, for the tests and the benchmarks.
        .target(name: "LocalServices"),

        .executableTarget(name: "pvc-bench", dependencies: [
            "ZooKeeper", "CZooKeeper", "Coordination", "LocalServices", "DedicatedThreads", "ClusterClient", "ClusterSchema", "VMCluster", "FenceCluster", "CephStorage",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        .testTarget(name: "CoordinationTests", dependencies: ["Coordination"]),
        .testTarget(name: "ClusterSchemaTests", dependencies: ["TestSupport", "ClusterSchema", "Coordination"]),
        .testTarget(name: "NodeConfigurationTests", dependencies: ["TestSupport", 
            "NodeConfiguration", .product(name: "Yams", package: "Yams"),
        ]),
        .testTarget(name: "HostStatsTests", dependencies: ["HostStats"]),
        .testTarget(name: "HostNetworkTests", dependencies: ["HostNetwork", "LocalServices"]),
        .testTarget(name: "HypervisorTests", dependencies: ["Hypervisor", "LocalServices"]),
        // The golden scenario harness every decision core's tests share (test support only).
        .target(name: "ScenarioTesting"),
        // What several test targets need alike: a seeded generator, real pvcnoded processes.
        .target(name: "TestSupport"),
        .testTarget(name: "NodeCoreTests", dependencies: ["TestSupport", "NodeCore", "Coordination", "ClusterSchema", "ScenarioTesting"],
                     exclude: ["Scenarios"]),
        .testTarget(name: "DaemonTests", dependencies: ["TestSupport", "ZooKeeper", "Coordination", "ClusterSchema", "LocalServices"]),
        // Several real pvcnoded processes against real ZooKeeper (and network namespaces).
        .testTarget(name: "ClusterTests", dependencies: ["TestSupport", "ZooKeeper", "Coordination", "LocalServices"]),
        .testTarget(name: "ContractTests", dependencies: ["Coordination", "ZooKeeper", "LocalServices"]),
        .testTarget(name: "ZooKeeperTests", dependencies: ["ZooKeeper", "Coordination", "LocalServices"]),
        .testTarget(name: "PvcctlTests", dependencies: ["ZooKeeper", "Coordination", "ClusterSchema", "LocalServices", "ClusterClient"]),
        // Three real pvcnoded with three real libvirtds and small TCG guests, for the VM tests
        // and pvc-bench's migration and flush figures.
        .target(name: "VMCluster", dependencies: [
            "TestSupport", "ZooKeeper", "Coordination", "ClusterSchema", "LocalServices", "ClusterClient", "Hypervisor",
        ]),
        .testTarget(name: "VMClusterTests", dependencies: [
            "VMCluster", "TestSupport", "ZooKeeper", "Coordination", "ClusterSchema", "LocalServices", "ClusterClient",
            "Hypervisor",
        ]),
        // Three real pvcnoded, each with a libvirtd and a simulated BMC (ipmi_sim) whose power off
        // really kills it: the fencing tests and pvc-bench failover.
        .target(name: "FenceCluster", dependencies: [
            "VMCluster", "TestSupport", "ZooKeeper", "Coordination", "ClusterSchema", "LocalServices", "ClusterClient",
            "Hypervisor",
        ]),
        .testTarget(name: "FenceClusterTests", dependencies: [
            "FenceCluster", "VMCluster", "TestSupport", "ZooKeeper", "Coordination", "ClusterSchema", "LocalServices",
            "ClusterClient", "Hypervisor",
        ]),
        .testTarget(name: "PowerControlTests", dependencies: ["PowerControl", "LocalServices"]),
        .testTarget(name: "CephStorageTests", dependencies: ["CephStorage", "LocalServices"]),
        .testTarget(name: "StorageReportsTests", dependencies: ["StorageReports", "ClusterSchema"]),
        .testTarget(name: "CBindingsTests", dependencies: ["CLibvirt", "CRados", "CRBD", "CZooKeeper"]),
    ]
)
