import Coordination
import Logging
import ZooKeeper

/// Connects, retrying with capped exponential backoff while no server answers. Logs once when the
/// cluster becomes unreachable and once when it is reached, so an outage does not flood the log.
struct SessionConnector {
    var configuration: ZooKeeperClient.Configuration
    var logger: Logger
    var initialBackoff: Duration = .milliseconds(250)
    var maximumBackoff: Duration = .seconds(10)

    /// Returns nil when the task is cancelled (a shutdown arrived before any server answered).
    func connect() async -> ZooKeeperClient? {
        var backoff = initialBackoff
        var lastProblem: String?
        while !Task.isCancelled {
            do {
                let client = try await ZooKeeperClient.connect(configuration)
                logger.info("connected to ZooKeeper", metadata: ["hosts": "\(configuration.hosts)"])
                return client
            } catch {
                if Task.isCancelled { return nil }
                let problem = "\(error)"
                if problem != lastProblem {
                    logger.warning("ZooKeeper unreachable, retrying with backoff",
                                   metadata: ["hosts": "\(configuration.hosts)", "error": "\(problem)"])
                    lastProblem = problem
                }
                do {
                    try await Task.sleep(for: backoff)
                } catch {
                    return nil
                }
                backoff = min(backoff * 2, maximumBackoff)
            }
        }
        return nil
    }
}
