import FluentKit
import SQLKit

/// A fingerprint of the data key the database's personal data is encrypted under, so a
/// process started with another key (or none, creating its own) refuses to start instead of
/// failing every log-in and read later.
struct M016DataKeyCheck: SQLMigration {
    var name: String { "M016DataKeyCheck" }

    func prepare(sql: any SQLDatabase) async throws {
        try await sql.create(table: "data_key_check")
            .column("id", type: .int, .primaryKey(autoIncrement: false))
            .column("fingerprint", type: .text, .notNull)
            .column("created_at", type: .bigint, .notNull)
            .run()
    }

    func revert(sql: any SQLDatabase) async throws {
        try await sql.drop(table: "data_key_check").run()
    }
}
