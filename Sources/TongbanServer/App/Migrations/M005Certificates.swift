import FluentKit
import SQLKit

/// Certificate types, department seals, certificates, their expiry notices and the shared
/// rate-limit counters of the public verification endpoints.
struct M005Certificates: SQLMigration {
    let engine: AppDatabase.Engine
    var name: String { "M005Certificates" }

    func prepare(sql: any SQLDatabase) async throws {
        try await sql.create(table: "certificate_types")
            .column("code", type: .text, .primaryKey(autoIncrement: false))
            .column("name", type: .text, .notNull)
            .column("definition", type: .text, .notNull)
            .column("created_at", type: .bigint, .notNull)
            .run()

        try await sql.create(table: "seals")
            .column("key_id", type: .text, .primaryKey(autoIncrement: false))
            .column("department_code", type: .text, .notNull, .references("departments", "code"))
            .column("algorithm", type: .text, .notNull)
            .column("public_key", type: .text, .notNull)
            .column("private_key_enc", type: .text, .notNull)
            .column("valid_from", type: .text, .notNull)
            .column("valid_until", type: .text, .notNull)
            .column("status", type: .text, .notNull)
            .column("created_at", type: .bigint, .notNull)
            .column("retired_at", type: .bigint)
            .run()
        // At most one active seal per department, even when two administrators rotate at once.
        try await sql.raw("CREATE UNIQUE INDEX seals_one_active ON seals (department_code) WHERE status = 'active'").run()

        try await sql.create(table: "certificates")
            .column("id", type: .text, .primaryKey(autoIncrement: false))
            .column("number", type: .text, .notNull, .unique)
            .column("type_code", type: .text, .notNull, .references("certificate_types", "code"))
            .column("application_id", type: .text, .unique)
            .column("holder_kind", type: .text, .notNull)
            .column("holder_account_id", type: .text, .notNull)
            .column("department_code", type: .text, .notNull, .references("departments", "code"))
            .column("issued_on", type: .text, .notNull)
            .column("expires_on", type: .text)
            .column("expires_at", type: .bigint)
            .column("content", type: .text, .notNull)
            .column("signature", type: .text, .notNull)
            .column("key_id", type: .text, .notNull, .references("seals", "key_id"))
            .column("claims_enc", type: .text, .notNull)
            .column("disclosed", type: .text, .notNull)
            .column("status", type: .text, .notNull)
            .column("revoked_at", type: .bigint)
            .column("revoked_reason", type: .text)
            .column("revoked_by", type: .text)
            .column("version", type: .int, .notNull, .default(1))
            .column("reminder_claimed_by", type: .text)
            .column("reminder_claimed_until", type: .bigint)
            .column("reminded_at", type: .bigint)
            .column("created_at", type: .bigint, .notNull)
            .run()
        try await sql.create(index: "certificates_holder").on("certificates").column("holder_account_id").run()
        try await sql.create(index: "certificates_department").on("certificates").column("department_code").run()
        try await sql.create(index: "certificates_expiry").on("certificates").column("expires_at").run()

        try await sql.create(table: "certificate_notices")
            .column("id", type: .text, .primaryKey(autoIncrement: false))
            .column("account_id", type: .text, .notNull)
            .column("certificate_number", type: .text, .notNull)
            .column("kind", type: .text, .notNull)
            .column("message", type: .text, .notNull)
            .column("link", type: .text)
            .column("created_at", type: .bigint, .notNull)
            .column("read_at", type: .bigint)
            .run()
        try await sql.create(index: "certificate_notices_account").on("certificate_notices").column("account_id").run()

        try await sql.create(table: "rate_limit_windows")
            .column("bucket", type: .text, .notNull)
            .column("window_start", type: .bigint, .notNull)
            .column("hits", type: .int, .notNull)
            .primaryKey("bucket", "window_start")
            .run()
    }

    func revert(sql: any SQLDatabase) async throws {
        for table in ["rate_limit_windows", "certificate_notices", "certificates", "seals", "certificate_types"] {
            try await sql.drop(table: table).ifExists().run()
        }
    }
}
