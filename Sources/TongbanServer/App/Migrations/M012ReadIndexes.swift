import FluentKit
import SQLKit

/// Indexes for two reads that grew with the data (measured on a database of 135,000 cases and
/// 270,000 audit entries, bench/README.md ninth session):
/// - an applicant's page of applications, newest first: the index on `applicant_id` alone left
///   every one of the applicant's rows to be read and sorted for a page (329 ms for an applicant
///   with all of them; 6 ms with the order in the index). An enterprise's agent files many.
/// - a supervisor's audit log, restricted to departments: without an index on the department
///   the count and the page read the whole log (177 ms; under 2 ms with it).
struct M012ReadIndexes: SQLMigration {
    var name: String { "M012ReadIndexes" }

    func prepare(sql: any SQLDatabase) async throws {
        // Same text on both engines: the mixed directions match `ORDER BY created_at DESC, id`.
        try await sql.raw("CREATE INDEX applications_applicant_created ON applications (applicant_id, created_at DESC, id)").run()
        try await sql.drop(index: "applications_applicant").run()
        try await sql.create(index: "audit_log_department").on("audit_log").column("department_code").column("sequence").run()
    }

    func revert(sql: any SQLDatabase) async throws {
        try await sql.drop(index: "audit_log_department").run()
        try await sql.create(index: "applications_applicant").on("applications").column("applicant_id").run()
        try await sql.drop(index: "applications_applicant_created").run()
    }
}
