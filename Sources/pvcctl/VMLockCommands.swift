import ArgumentParser
import CephStorage
import ClusterClient
import Foundation

/// Where pvcctl finds Ceph: PVC's default files (`/etc/ceph`), or the given ones.
struct CephOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Ceph config file (default: $CEPH_CONF, else /etc/ceph/ceph.conf).", valueName: "path"))
    var cephConf: String?

    @Option(help: ArgumentHelp("Ceph keyring (default: /etc/ceph/ceph.client.<id>.keyring).", valueName: "path"))
    var cephKeyring: String?

    @Option(help: "Ceph client id (default: admin).")
    var cephId: String = "admin"

    func settings(callTimeout: Double, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> CephClientSettings {
        let limit = Duration.milliseconds(Int64(callTimeout * 1000))
        return CephClientSettings(
            configFile: cephConf ?? environment["CEPH_CONF"] ?? "/etc/ceph/ceph.conf",
            keyringFile: cephKeyring ?? "/etc/ceph/ceph.client.\(cephId).keyring",
            clientName: "client.\(cephId)", mountTimeout: limit, monitorTimeout: limit, osdTimeout: limit)
    }
}

/// `pvc vm flush-locks`: frees every RBD lock on the VM's volumes, whoever holds it — what an
/// operator does after making sure the VM runs nowhere (PVC's refusal unless it is stopped,
/// disabled, failed or mirrored, which `--force` overrides).
struct VMFlushLocks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flush-locks",
        abstract: "Free the RBD locks on a stopped VM's volumes (--force: whatever its state).")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var argument: VMArgument
    @OptionGroup var ceph: CephOptions
    @Flag(help: "Flush even when the VM is not stopped, disabled, failed or mirrored.")
    var force = false

    func run() async throws {
        let (vm, force) = (argument.vm, force)
        let (identity, volumes) = try await withClient(options) { client in
            try await client.volumesForLockFlush(vm, force: force)
        }
        var freed: [(volume: String, locker: RBDLocker)] = []
        if !volumes.isEmpty {
            freed = try await flush(volumes)
        }
        switch options.format {
        case .table:
            print("Flushed \(freed.count) RBD lock\(freed.count == 1 ? "" : "s") of VM \(identity)"
                  + (volumes.isEmpty ? " (it has no RBD volumes)." : "."))
            for (volume, locker) in freed {
                print("  \(volume): \(locker.cookie) held by \(locker.client) at \(locker.address)")
            }
        case .json:
            print(try Output.json([
                "uuid": identity.uuid, "name": identity.name, "volumes": volumes,
                "freed": freed.map { ["volume": $0.volume, "lock": $0.locker.cookie, "client": $0.locker.client,
                                      "address": $0.locker.address] },
            ] as [String: Any]))
        }
    }

    private func flush(_ volumes: [String]) async throws -> [(volume: String, locker: RBDLocker)] {
        let ceph: CephConnection
        do {
            ceph = try await CephConnection.connect(self.ceph.settings(callTimeout: options.callTimeout))
        } catch {
            throw CtlError("cannot connect to Ceph: \(error)")
        }
        var freed: [(volume: String, locker: RBDLocker)] = []
        do {
            for volume in volumes {
                guard let image = RBDImage(parsing: volume) else {
                    throw CtlError("RBD volume \"\(volume)\" in the VM's rbdlist is not pool/volume")
                }
                for locker in try await ceph.lockers(of: image).lockers {
                    do throws(CephError) {
                        try await ceph.breakLock(on: image, locker)
                        freed.append((volume, locker))
                    } catch {
                        // Released meanwhile: nothing left to free.
                        guard error.isNotFound else { throw error }
                    }
                }
            }
        } catch {
            await ceph.close()
            if let error = error as? CtlError { throw error }
            throw CtlError("flushing the locks failed after \(freed.count) freed: \(error)")
        }
        await ceph.close()
        return freed
    }
}
