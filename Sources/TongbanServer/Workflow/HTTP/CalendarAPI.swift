import Foundation
import Hummingbird
import TongbanCore

/// The holiday and make-up working-day schedule (法定节假日与调休): public to read, edited by
/// system administrators when the State Council publishes next year's notice.
struct CalendarAPI {
    let book: CalendarBook
    let audit: any AuditLog
    let clock: @Sendable () -> Date

    struct View: Encodable, Sendable {
        var revision: Int64
        var coveredYears: [Int]
        var schedule: HolidaySchedule
    }

    func register(_ routes: SecuredRouter) {
        routes.get("/api/v1/calendar", access: .anyone) { _, _ in
            let calendar = book.current
            return try JSONOut.response(View(revision: book.revision, coveredYears: calendar.coveredYears, schedule: calendar.schedule))
        }
        routes.put("/api/v1/calendar", access: .roles([.systemAdmin])) { request, context in
            let schedule = try await JSONBody.decode(HolidaySchedule.self, from: request)
            let calendar = try await book.replace(with: schedule, audit: audit, actor: context.auditActor, now: clock())
            return try JSONOut.response(View(revision: book.revision, coveredYears: calendar.coveredYears, schedule: calendar.schedule))
        }
    }
}
