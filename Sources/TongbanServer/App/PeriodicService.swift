import Logging
import ServiceLifecycle

/// Background work done every `interval` until SIGTERM. What a turn did lives in the
/// database (rows are claimed), so several processes share the work and restarts lose nothing.
protocol PeriodicService: Service, CustomStringConvertible {
    var interval: Duration { get }
    var logger: Logger { get }
    /// One turn; an error is logged and the next turn runs on schedule.
    func turn() async throws
}

extension PeriodicService {
    /// ServiceLifecycle describes every service it starts, by default by reflecting every
    /// stored property: for the hot-topic watcher the whole appeals classifier, which made
    /// each start (and the test suite) several times slower.
    var description: String { String(describing: Self.self) }

    func run() async throws {
        // Cancelled on SIGTERM: a plain sleep would hold the shutdown up to a whole interval.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await turn()
                } catch {
                    logger.warning("\(Self.self) failed: \(String(reflecting: error))")
                }
                try await Task.sleep(for: interval)
            }
        }
    }
}
