import Logging

/// Looks for spiking hot topics among newly filed appeals in the background, so filing an
/// appeal never waits for topic mining over a city's recent appeals.
struct HotTopicWatcher: PeriodicService {
    let appeals: AppealService
    let interval: Duration
    let logger: Logger

    func turn() async throws {
        let checked = try await appeals.watchSpikes()
        if checked > 0 { logger.debug("hot-topic watch checked \(checked) new appeals") }
    }
}
