import FluentKit
import SQLKit

/// Online applications, their materials, timeline and work-queue tasks; the process
/// definitions cases run on; receipt-number counters and in-app notices.
struct M003Applications: SQLMigration {
    let engine: AppDatabase.Engine
    var name: String { "M003Applications" }

    func prepare(sql: any SQLDatabase) async throws {
        try await sql.create(table: "process_definitions")
            .column("id", type: .text, .notNull)
            .column("version", type: .int, .notNull)
            .column("definition_json", type: .text, .notNull)
            .column("created_at", type: .bigint, .notNull)
            .primaryKey("id", "version")
            .run()

        try await sql.create(table: "applications")
            .column("id", type: .text, .primaryKey(autoIncrement: false))
            .column("item_code", type: .text, .notNull)
            .column("item_version", type: .int, .notNull)
            .column("item_name", type: .text, .notNull)
            .column("division_code", type: .text, .notNull)
            .column("item_department", type: .text, .notNull)
            .column("handling_department", type: .text, .notNull)
            .column("definition_id", type: .text, .notNull)
            .column("definition_version", type: .int, .notNull)
            .column("form_version", type: .int, .notNull)
            .column("applicant_id", type: .text, .notNull, .references("accounts", "id"))
            .column("organization_id", type: .text, .references("organizations", "id"))
            .column("status", type: .text, .notNull)
            .column("current_step", type: .text)
            .column("form_json", type: .text, .notNull)
            .column("case_json", type: .text, .notNull)
            .column("version", type: .int, .notNull)
            .column("receipt_number", type: .text, .unique)
            .column("warning_level", type: .int, .notNull, .default(0))
            .column("due_date", type: .text)
            .column("escalated", type: .int, .notNull, .default(0))
            .column("outcome", type: .text)
            .column("created_at", type: .bigint, .notNull)
            .column("updated_at", type: .bigint, .notNull)
            .column("submitted_at", type: .bigint)
            .column("concluded_at", type: .bigint)
            // Deadline sweeps: which process holds the row, until when, and the last day checked.
            .column("sweep_claimed_by", type: .text)
            .column("sweep_claimed_until", type: .bigint)
            .column("swept_on", type: .text)
            .run()
        try await sql.create(index: "applications_applicant").on("applications").column("applicant_id").run()
        try await sql.create(index: "applications_status").on("applications").column("status").run()
        try await sql.create(index: "applications_handling").on("applications").column("handling_department").run()

        try await sql.create(table: "application_materials")
            .column("id", type: .text, .primaryKey(autoIncrement: false))
            .column("application_id", type: .text, .notNull, .references("applications", "id"))
            .column("material_name", type: .text, .notNull)
            .column("source", type: .text, .notNull)
            .column("supplied_by", type: .text)
            .column("file_name", type: .text)
            .column("content_type", type: .text)
            .column("size_bytes", type: .bigint)
            .column("sha256", type: .text)
            .column("stored_name", type: .text)
            .column("created_by", type: .text)
            .column("created_at", type: .bigint, .notNull)
            .run()
        try await sql.create(index: "application_materials_application").on("application_materials").column("application_id").run()

        try await sql.create(table: "application_timeline")
            .column("id", type: .text, .primaryKey(autoIncrement: false))
            .column("application_id", type: .text, .notNull, .references("applications", "id"))
            .column("position", type: .int, .notNull)
            .column("occurred_at", type: .bigint, .notNull)
            .column("case_version", type: .int, .notNull)
            .column("event", type: .text, .notNull)
            .column("summary", type: .text, .notNull)
            .column("comment", type: .text)
            .column("actor_id", type: .text)
            .column("actor_name", type: .text)
            .column("actor_role", type: .text)
            .column("department_code", type: .text)
            .run()
        try await sql.create(index: "application_timeline_application").on("application_timeline")
            .column("application_id").column("position").unique().run()

        try await sql.create(table: "application_tasks")
            .column("application_id", type: .text, .notNull, .references("applications", "id"))
            .column("department_code", type: .text, .notNull)
            .column("role", type: .text, .notNull)
            .column("kind", type: .text, .notNull)
            .column("step", type: .text)
            .column("claimed_by", type: .text)
            .column("claimed_at", type: .bigint)
            .column("created_at", type: .bigint, .notNull)
            .primaryKey("application_id", "department_code", "role", "kind")
            .run()
        try await sql.create(index: "application_tasks_queue").on("application_tasks").column("department_code").column("role").run()

        try await sql.create(table: "receipt_counters")
            .column("division_code", type: .text, .notNull)
            .column("day", type: .text, .notNull)
            .column("last_value", type: .int, .notNull)
            .primaryKey("division_code", "day")
            .run()

        try await sql.create(table: "notices")
            .column("id", type: .text, .primaryKey(autoIncrement: false))
            .column("account_id", type: .text, .notNull, .references("accounts", "id"))
            .column("application_id", type: .text)
            .column("title", type: .text, .notNull)
            .column("body", type: .text, .notNull)
            .column("created_at", type: .bigint, .notNull)
            .column("read_at", type: .bigint)
            .run()
        try await sql.create(index: "notices_account").on("notices").column("account_id").column("created_at").run()
    }

    func revert(sql: any SQLDatabase) async throws {
        for table in ["notices", "receipt_counters", "application_tasks", "application_timeline", "application_materials",
                      "applications", "process_definitions"] {
            try await sql.drop(table: table).ifExists().run()
        }
    }
}
