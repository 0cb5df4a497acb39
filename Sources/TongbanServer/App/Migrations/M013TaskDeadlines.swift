import FluentKit
import SQLKit

/// Each queue task carries its own due date and warning level: a joint-review department runs
/// against its own limit, not the whole case's, and a warning shown in a queue is the task's.
/// Cases keep their whole-case due date (what the applicant is promised) and add the current
/// step's. Tasks already open take their case's figures until the next deadline sweep (daily)
/// counts them on their own clocks.
struct M013TaskDeadlines: SQLMigration {
    var name: String { "M013TaskDeadlines" }

    func prepare(sql: any SQLDatabase) async throws {
        // One column per statement: SQLite adds one at a time.
        try await sql.raw("ALTER TABLE application_tasks ADD COLUMN due_date TEXT").run()
        try await sql.raw("ALTER TABLE application_tasks ADD COLUMN warning_level INTEGER NOT NULL DEFAULT 0").run()
        try await sql.raw("ALTER TABLE applications ADD COLUMN step_due_date TEXT").run()
        try await sql.raw("""
            UPDATE application_tasks SET
                due_date = (SELECT a.due_date FROM applications a WHERE a.id = application_tasks.application_id),
                warning_level = (SELECT a.warning_level FROM applications a WHERE a.id = application_tasks.application_id)
            """).run()
    }

    func revert(sql: any SQLDatabase) async throws {
        try await sql.raw("ALTER TABLE applications DROP COLUMN step_due_date").run()
        try await sql.raw("ALTER TABLE application_tasks DROP COLUMN warning_level").run()
        try await sql.raw("ALTER TABLE application_tasks DROP COLUMN due_date").run()
    }
}
