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

/// Stops the shared cluster synchronously at exit (`ExitStop`).
private func stopSharedCephAtExit() {
    guard let directory = sharedCephDirectoryAtExit.withLock({ value -> String? in
        defer { value = nil }
        return value
    }) else { return }
    ExitStop.run(script: CephCluster.scriptName, directory: directory)
}
