import Logging
import ServiceLifecycle

/// Looks for spiking hot topics among newly filed appeals in the background, so filing an
/// appeal never waits for topic mining over a city's recent appeals.
struct HotTopicWatcher: Service, CustomStringConvertible {
    let appeals: AppealService
    let interval: Duration
    let logger: Logger
    /// ServiceLifecycle describes every service it starts; the default description would
    /// print the whole appeals service, classifier model included (seconds of CPU per start).
    var description: String { "HotTopicWatcher" }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let checked = try await appeals.watchSpikes()
                    if checked > 0 { logger.debug("hot-topic watch checked \(checked) new appeals") }
                } catch {
                    logger.warning("hot-topic watch failed: \(error)")
                }
                try await Task.sleep(for: interval)
            }
        }
    }
}
