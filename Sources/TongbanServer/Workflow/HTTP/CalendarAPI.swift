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
        /// Years from this one on are counted on the statutory holidays until their notice is entered.
        var provisionalFrom: Int?
        /// What the first two of those years are assumed to be, for the administrator who enters the notice.
        var estimates: [HolidaySchedule.Year]
        var schedule: HolidaySchedule

        init(_ calendar: WorkingCalendar, revision: Int64) {
            self.revision = revision
            coveredYears = calendar.coveredYears
            provisionalFrom = calendar.provisionalFrom
            estimates = calendar.provisionalFrom.map { [$0, $0 + 1].compactMap(StatutoryHolidays.estimate(year:)) } ?? []
            schedule = calendar.schedule
        }
    }

    func register(_ routes: SecuredRouter) {
        routes.get("/api/v1/calendar", access: .anyone) { _, _ in
            // What is stored, even if another process stored it since this one last looked.
            try await book.refresh()
            return try JSONOut.response(View(book.current, revision: book.revision))
        }
        routes.put("/api/v1/calendar", access: .roles([.systemAdmin])) { request, context in
            let schedule = try await JSONBody.decodeStrict(HolidaySchedule.self, from: request)
            let calendar = try await book.replace(with: schedule, audit: audit, actor: context.auditActor, now: clock())
            return try JSONOut.response(View(calendar, revision: book.revision))
        }
    }
}
