import FluentKit
import SQLKit

/// Every authenticated request asks whether the caller is an organisation's agent
/// (`organization_agents` by `account_id`); the primary key leads with the organisation, so
/// that question scanned the whole table.
struct M008AgentLookup: SQLMigration {
    var name: String { "M008AgentLookup" }

    func prepare(sql: any SQLDatabase) async throws {
        try await sql.create(index: "organization_agents_account").on("organization_agents").column("account_id").run()
    }

    func revert(sql: any SQLDatabase) async throws {
        try await sql.drop(index: "organization_agents_account").run()
    }
}
