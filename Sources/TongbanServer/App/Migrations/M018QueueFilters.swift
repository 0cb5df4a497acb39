import FluentKit
import SQLKit

/// A queue filtered by the case's state or item (the clerk's 待受理, say) still joined every open
/// task of the department to its case to count them: 20 ms at 9,000 open cases on SQLite after
/// M017. The task row now also carries its case's status and item, rewritten with the tasks on
/// every transition, and the queue's index holds them, so filtered pages and counts read the
/// index alone.
struct M018QueueFilters: SQLMigration {
    var name: String { "M018QueueFilters" }

    func prepare(sql: any SQLDatabase) async throws {
        try await sql.raw("ALTER TABLE application_tasks ADD COLUMN status TEXT").run()
        try await sql.raw("ALTER TABLE application_tasks ADD COLUMN item_code TEXT").run()
        try await sql.raw("""
            UPDATE application_tasks SET
                status = (SELECT a.status FROM applications a WHERE a.id = application_tasks.application_id),
                item_code = (SELECT a.item_code FROM applications a WHERE a.id = application_tasks.application_id)
            """).run()
        try await sql.raw("""
            CREATE INDEX application_tasks_working_order ON application_tasks
                (department_code, escalated DESC, warning_level DESC, submitted_at, application_id, role, claimed_by, status, item_code)
            """).run()
        try await sql.drop(index: "application_tasks_order").run()
    }

    func revert(sql: any SQLDatabase) async throws {
        try await sql.raw("""
            CREATE INDEX application_tasks_order ON application_tasks
                (department_code, escalated DESC, warning_level DESC, submitted_at, application_id, role, claimed_by)
            """).run()
        try await sql.drop(index: "application_tasks_working_order").run()
        try await sql.raw("ALTER TABLE application_tasks DROP COLUMN item_code").run()
        try await sql.raw("ALTER TABLE application_tasks DROP COLUMN status").run()
    }
}
