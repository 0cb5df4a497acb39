import FluentKit
import SQLKit

/// Service catalog: items with immutable published versions, local implementations,
/// editable synonym groups and the revision counter every server process compares its
/// in-memory search index against.
struct M002Catalog: SQLMigration {
    let engine: AppDatabase.Engine
    var name: String { "M002Catalog" }

    func prepare(sql: any SQLDatabase) async throws {
        // One row per item code and division: the pointer to the current version, the
        // working draft (never visible to citizens) and the catalog revision of its last change.
        try await sql.create(table: "catalog_items")
            .column("item_code", type: .text, .notNull)
            .column("division_code", type: .text, .notNull)
            .column("department_code", type: .text, .notNull)
            .column("name", type: .text, .notNull)
            .column("status", type: .text, .notNull)
            .column("current_version", type: .int, .notNull)
            .column("draft_json", type: .text)
            .column("row_version", type: .int, .notNull)
            .column("revision", type: .bigint, .notNull)
            .column("created_at", type: .bigint, .notNull)
            .column("updated_at", type: .bigint, .notNull)
            .primaryKey("item_code", "division_code")
            .run()
        try await sql.create(index: "catalog_items_revision").on("catalog_items").column("revision").run()

        try await sql.create(table: "catalog_item_versions")
            .column("item_code", type: .text, .notNull)
            .column("division_code", type: .text, .notNull)
            .column("version", type: .int, .notNull)
            .column("status", type: .text, .notNull)
            .column("item_json", type: .text, .notNull)
            .column("published_at", type: .bigint, .notNull)
            .column("published_by", type: .text)
            .primaryKey("item_code", "division_code", "version")
            .run()

        try await sql.create(table: "catalog_local_implementations")
            .column("item_code", type: .text, .notNull)
            .column("division_code", type: .text, .notNull)
            .column("department_code", type: .text, .notNull)
            .column("implementation_json", type: .text, .notNull)
            .column("revision", type: .bigint, .notNull)
            .column("updated_at", type: .bigint, .notNull)
            .primaryKey("item_code", "division_code")
            .run()
        try await sql.create(index: "catalog_local_revision").on("catalog_local_implementations").column("revision").run()

        try await sql.create(table: "catalog_synonym_groups")
            .column("position", type: .int, .primaryKey(autoIncrement: false))
            .column("members_json", type: .text, .notNull)
            .run()

        // A single row; `synonyms_revision` moves only with the synonyms, which force a full
        // index rebuild, while item changes are applied to an index incrementally.
        try await sql.create(table: "catalog_state")
            .column("id", type: .int, .primaryKey(autoIncrement: false))
            .column("revision", type: .bigint, .notNull)
            .column("synonyms_revision", type: .bigint, .notNull)
            .run()
        try await sql.insert(into: "catalog_state").columns("id", "revision", "synonyms_revision")
            .values(SQLLiteral.numeric("1"), SQLLiteral.numeric("0"), SQLLiteral.numeric("0")).run()
    }

    func revert(sql: any SQLDatabase) async throws {
        for table in ["catalog_state", "catalog_synonym_groups", "catalog_local_implementations", "catalog_item_versions", "catalog_items"] {
            try await sql.drop(table: table).ifExists().run()
        }
    }
}
