import FluentKit
import SQLKit

/// Reference data, identity and the append-only audit log.
struct M001Foundation: SQLMigration {
    let engine: AppDatabase.Engine
    var name: String { "M001Foundation" }

    func prepare(sql: any SQLDatabase) async throws {
        try await sql.create(table: "divisions")
            .column("code", type: .text, .primaryKey(autoIncrement: false))
            .column("name", type: .text, .notNull)
            .column("parent_code", type: .text)
            .column("level", type: .int, .notNull)
            .run()
        try await sql.create(index: "divisions_parent").on("divisions").column("parent_code").run()

        try await sql.create(table: "departments")
            .column("code", type: .text, .primaryKey(autoIncrement: false))
            .column("name", type: .text, .notNull)
            .column("division_code", type: .text, .notNull, .references("divisions", "code"))
            .column("created_at", type: .bigint, .notNull)
            .run()
        try await sql.create(index: "departments_division").on("departments").column("division_code").run()

        try await sql.create(table: "accounts")
            .column("id", type: .text, .primaryKey(autoIncrement: false))
            .column("kind", type: .text, .notNull)
            .column("display_name", type: .text, .notNull)
            .column("username", type: .text, .unique)
            .column("id_number_enc", type: .text)
            .column("id_number_idx", type: .text, .unique)
            .column("mobile_enc", type: .text)
            .column("mobile_idx", type: .text, .unique)
            .column("password_hash", type: .text, .notNull)
            .column("department_code", type: .text, .references("departments", "code"))
            .column("post", type: .text)
            .column("roles", type: .text, .notNull)
            .column("totp_secret_enc", type: .text)
            .column("totp_last_counter", type: .bigint)
            .column("failed_logins", type: .int, .notNull, .default(0))
            .column("first_failed_at", type: .bigint)
            .column("locked_until", type: .bigint)
            .column("active", type: .int, .notNull, .default(1))
            .column("created_at", type: .bigint, .notNull)
            .run()
        try await sql.create(index: "accounts_department").on("accounts").column("department_code").run()

        try await sql.create(table: "organizations")
            .column("id", type: .text, .primaryKey(autoIncrement: false))
            .column("name", type: .text, .notNull)
            .column("credit_code_enc", type: .text, .notNull)
            .column("credit_code_idx", type: .text, .notNull, .unique)
            .column("division_code", type: .text, .notNull)
            .column("legal_representative_id", type: .text, .notNull, .references("accounts", "id"))
            .column("created_at", type: .bigint, .notNull)
            .run()
        try await sql.create(table: "organization_agents")
            .column("organization_id", type: .text, .notNull, .references("organizations", "id"))
            .column("account_id", type: .text, .notNull, .references("accounts", "id"))
            .column("created_at", type: .bigint, .notNull)
            .primaryKey("organization_id", "account_id")
            .run()

        try await sql.create(table: "sessions")
            .column("token_hash", type: .text, .primaryKey(autoIncrement: false))
            .column("account_id", type: .text, .notNull, .references("accounts", "id"))
            .column("kind", type: .text, .notNull)
            .column("created_at", type: .bigint, .notNull)
            .column("expires_at", type: .bigint, .notNull)
            .column("revoked_at", type: .bigint)
            .run()
        try await sql.create(index: "sessions_account").on("sessions").column("account_id").run()

        try await sql.create(table: "audit_log")
            .column("sequence", type: .bigint, .primaryKey(autoIncrement: false))
            .column("occurred_at", type: .bigint, .notNull)
            .column("actor_id", type: .text)
            .column("actor_role", type: .text)
            .column("department_code", type: .text)
            .column("action", type: .text, .notNull)
            .column("target_type", type: .text)
            .column("target_id", type: .text)
            .column("outcome", type: .text, .notNull)
            .column("client_address", type: .text)
            .column("request_id", type: .text)
            .column("detail", type: .text)
            .column("previous_hash", type: .text, .notNull)
            .column("hash", type: .text, .notNull)
            .run()
        try await sql.create(index: "audit_log_target").on("audit_log").column("target_type").column("target_id").run()
        try await sql.create(index: "audit_log_actor").on("audit_log").column("actor_id").run()

        // The database itself refuses to rewrite history, whoever connects.
        switch engine {
        case .sqlite:
            for op in ["UPDATE", "DELETE"] {
                try await sql.raw("""
                    CREATE TRIGGER audit_log_no_\(unsafeRaw: op.lowercased()) BEFORE \(unsafeRaw: op) ON audit_log
                    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END
                    """).run()
            }
        case .postgres:
            try await sql.raw("""
                CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION 'audit_log is append-only'; END;
                $$ LANGUAGE plpgsql
                """).run()
            try await sql.raw("""
                CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
                FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()
                """).run()
        }
    }

    func revert(sql: any SQLDatabase) async throws {
        if engine == .postgres {
            try await sql.raw("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log").run()
            try await sql.raw("DROP FUNCTION IF EXISTS audit_log_append_only()").run()
        }
        for table in ["audit_log", "sessions", "organization_agents", "organizations", "accounts", "departments", "divisions"] {
            try await sql.drop(table: table).ifExists().run()
        }
    }
}
