import Foundation
import Logging
import ServiceLifecycle
import TongbanCore

/// Posts an in-app notice to each holder 30 days before a certificate expires. Rows are
/// claimed with a conditional update first, so with several server processes each
/// certificate is reminded exactly once.
struct CertificateReminders: PeriodicService {
    static let leadDays = 30
    let service: CertificateService
    let rateLimiter: SQLRateLimiter
    let worker = "reminders-\(UUID.randomID().prefix(8))"
    var interval: Duration = .seconds(300)
    let logger: Logger
    var store: any CertificateStore { service.store }

    func turn() async throws {
        let sent = try await runOnce()
        if sent > 0 { logger.info("posted \(sent) certificate expiry notices") }
        try await rateLimiter.sweep(before: service.clock().addingTimeInterval(-3600))
    }

    /// One pass; returns the number of notices posted.
    @discardableResult
    func runOnce() async throws -> Int {
        let now = service.nowMilliseconds
        let horizon = now + Int64(Self.leadDays) * 86_400_000
        let numbers = try await store.claimDueReminders(worker: worker, now: now, horizon: horizon,
                                                        claimUntil: now + 600_000, limit: 100, on: service.database.sql)
        var posted = 0
        for number in numbers {
            guard let certificate = try await service.certificate(number: number) else { continue }
            let expires = certificate.record.expiresOn ?? ""
            let renewal = certificate.type?.renewalItemCode
            let notice = CertificateNoticeRecord(
                id: UUID.newID(), accountId: certificate.record.holderAccountId, certificateNumber: number,
                kind: "expiry", message: "您的\(certificate.content.typeName)（\(number)）将于 \(expires) 到期" + (renewal == nil ? "。" : "，请及时办理延续。"),
                link: renewal.map { "/services/\($0)" }, createdAt: now, readAt: nil)
            let worker = self.worker
            let done = try await service.database.transaction { db in
                guard try await store.markReminded(number: number, worker: worker, at: now, on: db) else { return false }
                try await store.insert(notice, on: db)
                try await service.audit.append(AuditRecord("certificate.remind", targetType: "certificate", targetID: number,
                                                           detail: "expires \(expires)"), actor: .system("reminders", for: certificate.record.departmentCode), on: db)
                return true
            }
            if done { posted += 1 }
        }
        return posted
    }
}
