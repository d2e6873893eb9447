import ArgumentParser
import CephStorage
import ClusterSchema
import Foundation
import LocalServices

/// `pvc-bench rbd-locks`: freeing the locks of one VM's volumes, our librbd shell against the
/// `rbd` CLI path PVC runs (`rbd lock list --format json` + `rbd lock remove` per volume).
struct RBDLockBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rbd-locks",
        abstract: "Frees the RBD locks of a VM's volumes through librbd and through PVC's rbd CLI path, side by side.",
        discussion: """
            Starts a single-host Ceph (scripts/ceph.sh: one mon, one mgr, one OSD) in a temporary \
            directory, creates the volumes, then alternates the two paths for --runs rounds. Before \
            each measurement every volume gets an advisory lock from the rbd CLI (a holder that is \
            gone, as after a crash); the measurement lists and frees them: ours with the daemon's \
            open librados connection (its one-time connect is connect_ms), the CLI path with two \
            rbd processes per volume, as PVC's node daemon does. A round counts only if every lock \
            was freed. speedup = cli_median_ms / ours_median_ms. ceph_start_s and ceph_rss_mib \
            are the cluster's start time and its three daemons' resident memory after the runs.
            """
    )

    @Option(help: "Volumes of the VM (PVC runs its CLI pair once per volume).")
    var volumes: Int = 4

    @Option(help: "Rounds per path.")
    var runs: Int = 20

    func validate() throws {
        guard volumes >= 1, volumes <= 64 else { throw ValidationError("--volumes must be 1 to 64") }
        guard runs >= 1, runs <= 1000 else { throw ValidationError("--runs must be 1 to 1000") }
    }

    func run() async throws {
        let started = ContinuousClock.now
        Progress.log("starting Ceph")
        let ceph = try await CephCluster.start(objectStore: .memstore)
        let startSeconds = (ContinuousClock.now - started).seconds
        Progress.log("Ceph ready in \(rounded(startSeconds, places: 1)) s (\(ceph.directory))")
        do {
            try await measure(ceph, startSeconds: startSeconds)
        } catch {
            try? await ceph.stop()
            throw error
        }
        try await ceph.stop()
    }

    private func measure(_ ceph: CephCluster, startSeconds: Double) async throws {
        let images = (0..<volumes).map { RBDImage(pool: "rbd", name: "bench-vm-disk\($0)") }
        for image in images {
            _ = try await ceph.rbd(["create", "--size", "16M", image.description])
        }
        let connectStart = ContinuousClock.now
        let connection = try await CephConnection.connect(
            CephClientSettings(configFile: ceph.configFile, keyringFile: ceph.keyringFile))
        let connectMilliseconds = (ContinuousClock.now - connectStart).seconds * 1000
        var ours: [Double] = []
        var cli: [Double] = []
        var failed = 0
        for round in 0..<runs {
            // Alternated so that neither path has the warmer cluster.
            for usesCLI in round % 2 == 0 ? [false, true] : [true, false] {
                try await lockAll(images, ceph: ceph, round: round)
                let start = ContinuousClock.now
                let freed = usesCLI ? try await freeWithCLI(images, ceph: ceph)
                                    : try await freeWithLibrbd(images, connection: connection)
                let milliseconds = (ContinuousClock.now - start).seconds * 1000
                let left = try await remainingLocks(images, connection: connection)
                guard freed == images.count, left == 0 else {
                    failed += 1
                    Progress.log("round \(round) \(usesCLI ? "cli" : "ours"): freed \(freed), \(left) left; not counted")
                    continue
                }
                if usesCLI { cli.append(milliseconds) } else { ours.append(milliseconds) }
            }
        }
        await connection.close()
        let oursMedian = median(ours)
        let cliMedian = median(cli)
        Progress.log("ours \(rounded(oursMedian, places: 2)) ms, cli \(rounded(cliMedian, places: 2)) ms (medians)")
        emitResult([
            "benchmark": .string("rbd-locks"),
            "volumes": .integer(volumes),
            "runs": .integer(runs),
            "failed": .integer(failed),
            "ours_median_ms": .number(rounded(oursMedian, places: 2)),
            "ours_max_ms": ours.max().map { .number(rounded($0, places: 2)) } ?? .null,
            "cli_median_ms": .number(rounded(cliMedian, places: 2)),
            "cli_max_ms": cli.max().map { .number(rounded($0, places: 2)) } ?? .null,
            "speedup": .number(rounded(cliMedian / oursMedian, places: 1)),
            "connect_ms": .number(rounded(connectMilliseconds, places: 1)),
            "ceph_start_s": .number(rounded(startSeconds, places: 1)),
            "ceph_rss_mib": Self.cephResidentMiB(ceph.directory).map { .number(rounded($0, places: 1)) } ?? .null,
        ])
    }

    /// An advisory lock per volume, from a CLI client that exits at once: a holder that is gone.
    private func lockAll(_ images: [RBDImage], ceph: CephCluster, round: Int) async throws {
        for image in images {
            _ = try await ceph.rbd(["lock", "add", image.description, "bench-\(round)"])
        }
    }

    private func freeWithLibrbd(_ images: [RBDImage], connection: CephConnection) async throws -> Int {
        var freed = 0
        for image in images {
            for locker in try await connection.lockers(of: image).lockers {
                try await connection.breakLock(on: image, locker)
                freed += 1
            }
        }
        return freed
    }

    /// PVC's commands, one process each (pvc-node-daemon.md §9).
    private func freeWithCLI(_ images: [RBDImage], ceph: CephCluster) async throws -> Int {
        var freed = 0
        for image in images {
            let listed = try await ceph.rbd(["lock", "list", "--format", "json", image.description])
            for (id, locker) in try Self.locks(inCLIOutput: listed) {
                _ = try await ceph.rbd(["lock", "remove", image.description, id, locker])
                freed += 1
            }
        }
        return freed
    }

    private func remainingLocks(_ images: [RBDImage], connection: CephConnection) async throws -> Int {
        var count = 0
        for image in images { count += try await connection.lockers(of: image).lockers.count }
        return count
    }

    /// `rbd lock list --format json`: `[{"id": ..., "locker": ..., "address": ...}]`.
    static func locks(inCLIOutput text: String) throws -> [(id: String, locker: String)] {
        guard case .array(let entries) = try ClusterSchema.JSONValue.parse(text) else {
            throw CLIOutputError(text: text)
        }
        return try entries.map { entry in
            guard case .object(let fields) = entry, case .string(let id)? = fields["id"],
                  case .string(let locker)? = fields["locker"] else { throw CLIOutputError(text: text) }
            return (id, locker)
        }
    }

    struct CLIOutputError: Error, CustomStringConvertible {
        let text: String
        var description: String { "unexpected `rbd lock list --format json` output: \(text.prefix(200))" }
    }

    /// The mon's, mgr's and OSD's resident memory together, from the PIDs ceph.sh keeps.
    static func cephResidentMiB(_ directory: String) -> Double? {
        var total = 0.0
        for daemon in ["mon", "mgr", "osd"] {
            guard let text = try? String(contentsOfFile: "\(directory)/pids/\(daemon).pid", encoding: .utf8),
                  let pid = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)),
                  let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
                  let kibibytes = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
            else { return nil }
            total += kibibytes / 1024
        }
        return total
    }
}
