import FluentKit
import SQLKit

/// The working-day calendar as editable data: one row holding the holiday schedule JSON
/// and a revision other server processes watch.
struct M006HolidayCalendar: SQLMigration {
    var name: String { "M006HolidayCalendar" }

    func prepare(sql: any SQLDatabase) async throws {
        try await sql.create(table: "holiday_calendar")
            .column("id", type: .int, .primaryKey(autoIncrement: false))
            .column("schedule", type: .text, .notNull)
            .column("revision", type: .bigint, .notNull)
            .column("updated_at", type: .bigint, .notNull)
            .run()
    }

    func revert(sql: any SQLDatabase) async throws {
        try await sql.drop(table: "holiday_calendar").ifExists().run()
    }
}
