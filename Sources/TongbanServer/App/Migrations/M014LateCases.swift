import FluentKit
import SQLKit

/// Supervisors list the cases running late (黄牌, 红牌) in their divisions: a small part of all
/// cases, found through an index that holds only them.
struct M014LateCases: SQLMigration {
    var name: String { "M014LateCases" }

    func prepare(sql: any SQLDatabase) async throws {
        try await sql.raw("CREATE INDEX applications_late ON applications (division_code, warning_level) WHERE warning_level > 0").run()
    }

    func revert(sql: any SQLDatabase) async throws {
        try await sql.drop(index: "applications_late").run()
    }
}
