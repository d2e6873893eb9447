import Foundation
import LocalServices
import Testing

/// The places pvcctl takes its ZooKeeper connect string from, most explicit first.
enum ConnectLevel: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case zkFlag = "zk-flag"
    case configFlag = "config-flag"
    case zkVariable = "zk-variable"
    case configVariable = "config-variable"
    case standardFile = "standard-file"

    var testDescription: String { rawValue }

    /// The levels below this one, which it must beat.
    var below: [ConnectLevel] { Array(Self.allCases.drop { $0 != self }.dropFirst()) }
}

/// How pvcctl chooses its ZooKeeper and its node when the command line leaves them out, seen through the binary: each
/// place points at a chroot of its own that does not exist, so the connection error names the one chosen.
@Suite("pvcctl defaults from the node's config file: resolution order")
struct LocalNodeDefaultsTests {
    /// `cluster status` with `levels` set, each to its own missing chroot under `base`.
    private func runWith(_ levels: [ConnectLevel], hosts: String, base: String) async throws -> CtlRun {
        var files: [NodeConfigFile] = []
        defer { files.forEach { $0.remove() } }
        func file(_ level: ConnectLevel) throws -> String {
            let file = try NodeConfigFile.write(node: "from-\(level.rawValue)", connect: "\(hosts)\(base)/\(level.rawValue)")
            files.append(file)
            return file.path
        }
        var arguments = ["cluster", "status", "--timeout", "5"]
        var environment: [String: String] = [:]
        var standard = absentConfigPath()
        for level in levels {
            switch level {
            case .zkFlag: arguments += ["--zk", "\(hosts)\(base)/\(level.rawValue)"]
            case .configFlag: arguments += ["--config", try file(level)]
            case .zkVariable: environment["PVC_ZK"] = "\(hosts)\(base)/\(level.rawValue)"
            case .configVariable: environment["PVC_CONFIG_FILE"] = try file(level)
            case .standardFile: standard = try file(level)
            }
        }
        return try await Pvcctl.run(arguments + ["--standard-config", standard], environment: environment)
    }

    @Test("each place beats every place after it", arguments: ConnectLevel.allCases)
    func connectOrder(_ level: ConnectLevel) async throws {
        let hosts = try await SharedTestZooKeeper.connectString()
        let base = "/pvcctl-absent-" + UUID().uuidString.lowercased()
        let run = try await runWith([level] + level.below, hosts: hosts, base: base)
        #expect(run.status != 0)
        #expect(run.stderrLines.count == 1, "\(run.stderr)")
        #expect(run.stderr.contains("cannot connect to ZooKeeper at \(hosts)\(base)/\(level.rawValue)"),
                "\(run.stderr)")
        // A connect string from a file says which file, since the operator may not know one was read.
        let fromFile = [.configFlag, .configVariable, .standardFile].contains(level)
        #expect(run.stderr.contains("(from ") == fromFile, "\(run.stderr)")
    }

    @Test("with none of them, the error names every way to give one")
    func connectNowhere() async throws {
        let standard = absentConfigPath()
        let run = try await Pvcctl.run(["cluster", "status", "--standard-config", standard])
        #expect(run.status != 0)
        #expect(run.stderrLines.count == 1, "\(run.stderr)")
        for way in ["--zk", "--config", "PVC_ZK", "PVC_CONFIG_FILE", "\(standard) does not exist"] {
            #expect(run.stderr.contains(way), "\(way): \(run.stderr)")
        }
    }

    @Test("the node: NAME, else --config, else PVC_CONFIG_FILE, else the standard file; not PVC_ZK's business")
    func nameOrder() async throws {
        try await withSandbox { sandbox in
            let flag = try NodeConfigFile.write(node: "from-config-flag", connect: nil)
            let variable = try NodeConfigFile.write(node: "from-config-variable", connect: nil)
            let standard = try NodeConfigFile.write(node: "from-standard-file", connect: nil)
            defer { [flag, variable, standard].forEach { $0.remove() } }

            /// `node info` on the empty sandbox: the refusal names the node that was chosen.
            func chosen(_ arguments: [String], environment: [String: String] = [:],
                        standardFile: String? = nil) async throws -> CtlRun {
                try await Pvcctl.run(["node", "info"] + arguments + ["--zk", sandbox.zk, "--standard-config", standardFile ?? standard.path],
                                     environment: environment)
            }
            let everything = ["PVC_CONFIG_FILE": variable.path]
            let named = try await chosen(["hv7", "--config", flag.path], environment: everything)
            #expect(named.stderr.contains("no node 'hv7' in the cluster"), "\(named.stderr)")
            let fromFlag = try await chosen(["--config", flag.path], environment: everything)
            #expect(fromFlag.stderr.contains("no node 'from-config-flag' in the cluster"), "\(fromFlag.stderr)")
            let fromVariable = try await chosen([], environment: everything)
            #expect(fromVariable.stderr.contains("no node 'from-config-variable' in the cluster"), "\(fromVariable.stderr)")
            let fromStandard = try await chosen([])
            #expect(fromStandard.stderr.contains("no node 'from-standard-file' in the cluster"), "\(fromStandard.stderr)")
            for run in [named, fromFlag, fromVariable, fromStandard] {
                #expect(run.status != 0 && run.stderrLines.count == 1, "\(run.stderr)")
            }

            let absent = absentConfigPath()
            let nowhere = try await chosen([], environment: ["PVC_ZK": sandbox.zk], standardFile: absent)
            #expect(nowhere.status != 0)
            #expect(nowhere.stderrLines.count == 1, "\(nowhere.stderr)")
            for way in ["pass NAME", "--config", "PVC_CONFIG_FILE", "\(absent) does not exist"] {
                #expect(nowhere.stderr.contains(way), "\(way): \(nowhere.stderr)")
            }
        }
    }

    @Test("node.name left out is the short hostname, as the daemon takes it")
    func nameFromHostname() async throws {
        try await withSandbox { sandbox in
            let file = try NodeConfigFile.write(node: nil, connect: sandbox.zk)
            defer { file.remove() }
            let run = try await Pvcctl.run(["node", "info", "--config", file.path])
            #expect(run.status != 0)
            #expect(run.stderr.contains("no node '\(shortHostname())' in the cluster"), "\(run.stderr)")
        }
    }

    @Test("a command given --zk and NAME never reads a config file, not even a broken one")
    func explicitNeedsNoFile() async throws {
        try await withSandbox { sandbox in
            try await sandbox.write("/nodes/hv1", "hypervisor")
            let broken = try NodeConfigFile.write("cluster: [\n")
            defer { broken.remove() }
            let run = try await Pvcctl.run(["node", "info", "hv1", "--zk", sandbox.zk, "--config", broken.path,
                                            "--standard-config", broken.path],
                                           environment: ["PVC_CONFIG_FILE": broken.path])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("hypervisor"), "\(run.stdout)")
            #expect(run.stderr.isEmpty, "\(run.stderr)")
        }
    }

    @Test("a config file that does not load is one line naming the file and the loader's complaint")
    func brokenFiles() async throws {
        let noClusterName = try NodeConfigFile.write("cluster:\n  coordinator_nodes: [hv1]\n")
        let badChroot = try NodeConfigFile.write(node: "hv1", connect: "127.0.0.1:2181/a//b")
        let missing = absentConfigPath()
        defer { [noClusterName, badChroot].forEach { $0.remove() } }
        let absent = absentConfigPath()
        let cases: [(arguments: [String], environment: [String: String], standard: String, expected: [String])] = [
            // For the node's name and for the connect string alike; from --config, the variable, the standard file.
            (["node", "ready", "--zk", "127.0.0.1:1", "--config", noClusterName.path], [:], absent,
             ["config file \(noClusterName.path): cluster.name: ", "missing"]),
            (["cluster", "status"], [:], noClusterName.path,
             ["config file \(noClusterName.path): cluster.name: ", "missing"]),
            (["node", "flush"], ["PVC_CONFIG_FILE": missing], absent,
             ["config file \(missing): cannot read: No such file or directory"]),
            (["node", "primary", "--config", badChroot.path], [:], absent,
             ["config file \(badChroot.path): ", "not a valid chroot"]),
        ]
        for (arguments, environment, standard, expected) in cases {
            let run = try await Pvcctl.run(arguments + ["--standard-config", standard], environment: environment)
            #expect(run.status != 0, "\(arguments)")
            #expect(run.stderrLines.count == 1, "\(arguments): \(run.stderr)")
            for text in expected {
                #expect(run.stderr.contains(text), "\(arguments): \(run.stderr)")
            }
        }
    }
}
