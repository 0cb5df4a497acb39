import SQLKit
import Testing
@testable import TongbanServer

/// Written-out statements bind in the order of their `?`s on both engines, each dialect
/// writing its own placeholders (`?` on SQLite, `$n` on PostgreSQL).
@Suite struct SQLTemplateTests {
    @Test(arguments: TestEngine.available)
    func bindsInOrderOnBothEngines(_ engine: TestEngine) async throws {
        try await withApp(engine) { s in
            let template = SQLTemplate("SELECT CAST(? AS TEXT) AS a, CAST(? AS BIGINT) AS b, CAST(? AS TEXT) AS c, CAST(? AS TEXT) AS d")
            #expect(template.bindCount == 4)
            let binds: [any Encodable & Sendable] = ["甲", Int64(42), String?.none, "d"]
            let row = try #require(try await s.services.database.sql.query(template, binds).first())
            #expect(try row.decode(column: "a", as: String.self) == "甲")
            #expect(try row.decode(column: "b", as: Int64.self) == 42)
            #expect(try row.decode(column: "c", as: String?.self) == nil)
            #expect(try row.decode(column: "d", as: String.self) == "d")
            // Inside a transaction too (the writer's own connection on SQLite).
            let inside = try await s.services.database.transaction { db in
                try await db.query(SQLTemplate("SELECT CAST(? AS TEXT) AS a"), ["乙"]).first()?.decode(column: "a", as: String.self)
            }
            #expect(inside == "乙")
        }
    }

    @Test func textWithoutBinds() {
        #expect(SQLTemplate("SELECT 1").bindCount == 0)
        #expect(SQLTemplate("?").bindCount == 1)
    }
}
