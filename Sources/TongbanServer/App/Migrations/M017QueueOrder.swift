import FluentKit
import SQLKit

/// A work queue is read in its working order (red cards first, then yellow, then the oldest
/// submission) a page at a time. That order took two of its keys from the case, so every read
/// joined and sorted all of the department's open tasks: 30 ms a page at 9,000 open cases on
/// SQLite, growing with the backlog. The task row now carries the case's escalation and
/// submission time, kept with it whenever its tasks are written, and one index holds the order,
/// so a page reads only its own rows and the counts read the index alone.
struct M017QueueOrder: SQLMigration {
    var name: String { "M017QueueOrder" }

    func prepare(sql: any SQLDatabase) async throws {
        try await sql.raw("ALTER TABLE application_tasks ADD COLUMN escalated INTEGER NOT NULL DEFAULT 0").run()
        try await sql.raw("ALTER TABLE application_tasks ADD COLUMN submitted_at BIGINT").run()
        try await sql.raw("""
            UPDATE application_tasks SET
                escalated = (SELECT a.escalated FROM applications a WHERE a.id = application_tasks.application_id),
                submitted_at = (SELECT a.submitted_at FROM applications a WHERE a.id = application_tasks.application_id)
            """).run()
        // Role and claim trail the order so that filtering by them, and counting, stay in the index.
        try await sql.raw("""
            CREATE INDEX application_tasks_order ON application_tasks
                (department_code, escalated DESC, warning_level DESC, submitted_at, application_id, role, claimed_by)
            """).run()
        try await sql.drop(index: "application_tasks_queue").run()
    }

    func revert(sql: any SQLDatabase) async throws {
        try await sql.create(index: "application_tasks_queue").on("application_tasks").column("department_code").column("role").run()
        try await sql.drop(index: "application_tasks_order").run()
        try await sql.raw("ALTER TABLE application_tasks DROP COLUMN submitted_at").run()
        try await sql.raw("ALTER TABLE application_tasks DROP COLUMN escalated").run()
    }
}
