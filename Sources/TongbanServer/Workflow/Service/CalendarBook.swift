import Foundation
import Logging
import SQLKit
import ServiceLifecycle
import Synchronization
import TongbanCore

/// The holiday calendar every time limit is counted on (applications and appeals alike).
/// Administrators edit it in the database; each process keeps the current one in memory
/// for the synchronous date arithmetic and re-reads it when the stored revision moves, so
/// an edit made through one process reaches the others within one refresh interval.
public final class CalendarBook: Sendable {
    private struct Row: Codable { var schedule: String; var revision: Int64 }
    private let state: Mutex<(calendar: WorkingCalendar, revision: Int64)>
    private let database: AppDatabase

    public var current: WorkingCalendar { state.withLock { $0.calendar } }
    public var revision: Int64 { state.withLock { $0.revision } }

    /// Seeds the table from the shipped 国务院办公厅 schedules when it is empty.
    static func open(_ database: AppDatabase, now: Date) async throws -> CalendarBook {
        let shipped = try BundledResources.data("calendar/cn-holidays.json")
        let initial = try WorkingCalendar(json: shipped)
        let book = CalendarBook(database: database, calendar: initial)
        if try await book.read() == nil {
            try await database.sql.insert(into: "holiday_calendar").columns("id", "schedule", "revision", "updated_at")
                .values(SQLBind(1), SQLBind(String(decoding: shipped, as: UTF8.self)), SQLBind(Int64(1)),
                        SQLBind(Int64(now.timeIntervalSince1970 * 1000)))
                .run()
        }
        try await book.refresh()
        return book
    }

    private init(database: AppDatabase, calendar: WorkingCalendar) {
        self.database = database
        self.state = Mutex((calendar, 0))
    }

    private func read() async throws -> Row? {
        try await database.sql.select().columns("schedule", "revision").from("holiday_calendar").where("id", .equal, 1)
            .first(decoding: Row.self)
    }

    /// Picks up an edit stored by any process.
    func refresh() async throws {
        guard let row = try await read(), row.revision != revision else { return }
        let calendar = try WorkingCalendar(json: Data(row.schedule.utf8))
        state.withLock { $0 = (calendar, row.revision) }
    }

    /// Validates and stores a new schedule; audited in the same transaction.
    func replace(with schedule: HolidaySchedule, audit: any AuditLog, actor: AuditActor, now: Date) async throws -> WorkingCalendar {
        let calendar = try WorkingCalendar(schedule: schedule)
        try await refresh() // the years it may not drop are those of the calendar stored now, wherever it was stored from
        // Running time limits count on this year's and later notices: dropping one by mistake
        // would silently turn its holidays into working days. Past years may go.
        let thisYear = CivilDate(instant: now).year
        let dropped = Set(current.coveredYears).subtracting(calendar.coveredYears).filter { $0 >= thisYear }.sorted()
        if !dropped.isEmpty {
            throw Problem.validation(dropped.map { year in
                FieldIssue(field: "years", code: "yearRemoved", zh: "不能删除 \(year) 年的节假日安排（本年及以后的时限正按其计算）",
                           en: "the \(year) schedule cannot be removed: current and future time limits count on it")
            })
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(schedule), as: UTF8.self)
        try await database.transaction { db in
            try await db.update("holiday_calendar")
                .set("schedule", to: json)
                .set("revision", to: SQLRaw("revision + 1"))
                .set("updated_at", to: Int64(now.timeIntervalSince1970 * 1000))
                .where("id", .equal, 1).run()
            try await audit.append(AuditRecord("calendar.update", targetType: "holiday_calendar", targetID: "1",
                                               detail: "years=\(calendar.coveredYears.map(String.init).joined(separator: ","))"),
                                   actor: actor, on: db)
        }
        try await refresh()
        return calendar
    }
}

/// Re-reads the stored calendar now and then, so edits made through another process apply here.
struct CalendarRefresher: PeriodicService {
    let book: CalendarBook
    let interval: Duration
    let logger: Logger

    func turn() async throws { try await book.refresh() }
}
