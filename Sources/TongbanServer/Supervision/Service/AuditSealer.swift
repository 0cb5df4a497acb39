import Logging

/// Links audit entries into the hash chain shortly after their transactions commit
/// (PostgreSQL only; see `SQLAuditLog.append`). Every process runs one; the sealing lock
/// lets one at a time work, and what is sealed lives in the database.
struct AuditSealer: PeriodicService {
    let audit: any AuditLog
    let interval: Duration
    let logger: Logger

    func turn() async throws {
        let sealed = try await audit.seal()
        if sealed > 0 { logger.trace("sealed \(sealed) audit entries") }
    }
}
