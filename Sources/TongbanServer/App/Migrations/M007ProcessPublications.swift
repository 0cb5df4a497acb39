import FluentKit
import SQLKit

/// Process definitions published by administrators for a service item, replacing the
/// shipped one for new cases. The definitions themselves live in `process_definitions`;
/// this is the history of which one is in force, per item and division ('' = every
/// division of the item).
struct M007ProcessPublications: SQLMigration {
    var name: String { "M007ProcessPublications" }

    func prepare(sql: any SQLDatabase) async throws {
        try await sql.create(table: "process_publications")
            .column("item_code", type: .text, .notNull)
            .column("division_code", type: .text, .notNull)
            .column("sequence", type: .int, .notNull)
            .column("definition_id", type: .text, .notNull)
            .column("definition_version", type: .int, .notNull)
            .column("published_at", type: .bigint, .notNull)
            .column("published_by", type: .text)
            .primaryKey("item_code", "division_code", "sequence")
            .run()
    }

    func revert(sql: any SQLDatabase) async throws {
        try await sql.drop(table: "process_publications").ifExists().run()
    }
}
