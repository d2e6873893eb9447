import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One Ceph cluster shared by every test in a process, started on first use (about 4-9 s and
/// 250 MB, too much to pay per test) and stopped when the process exits. Tests isolate
/// themselves by image name.
public enum SharedTestCeph {
    public static func cluster() async throws -> CephCluster {
        let task = sharedCephStart.withLock { current -> Task<CephCluster, any Error> in
            if let current { return current }
            let task = Task<CephCluster, any Error> {
                let cluster = try await CephCluster.start(objectStore: .bluestore)
                sharedCephDirectoryAtExit.withLock { $0 = cluster.directory }
                atexit { stopSharedCephAtExit() }
                return cluster
            }
            current = task
            return task
        }
        return try await task.value
    }
}

private let sharedCephStart = Mutex<Task<CephCluster, any Error>?>(nil)
private let sharedCephDirectoryAtExit = Mutex<String?>(nil)

/// As SharedTestZooKeeper's: `ceph.sh stop DIR` through posix_spawn and waitpid, then the
/// directory (ours: made under the temporary directory) is removed.
private func stopSharedCephAtExit() {
    guard let directory = sharedCephDirectoryAtExit.withLock({ value -> String? in
        defer { value = nil }
        return value
    }) else { return }
    guard let script = try? Script.path(of: CephCluster.scriptName) else { return }
    let arguments = [Script.bash, script, "stop", directory]
    var cArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
    cArguments.append(nil)
    defer { cArguments.forEach { free($0) } }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var none = sigset_t()
    sigemptyset(&none)
    posix_spawnattr_setsigmask(&attributes, &none)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
    var pid: pid_t = 0
    let rc = cArguments.withUnsafeBufferPointer { argv -> Int32 in
        guard let argvBase = argv.baseAddress else { return EINVAL }
        return posix_spawn(&pid, Script.bash, nil, &attributes, argvBase, environ)
    }
    if rc == 0 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }
    try? FileManager.default.removeItem(atPath: directory)
}
