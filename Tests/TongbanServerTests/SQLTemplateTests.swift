import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLiteKit
import SQLKit
import Synchronization
import Testing
@testable import TongbanServer

/// Written-out statements bind in the order of their `?`s on both engines, each dialect
/// writing its own placeholders (`?` on SQLite, `$n` on PostgreSQL).
@Suite struct SQLTemplateTests {
    @Test(arguments: TestEngine.available)
    func bindsInOrderOnBothEngines(_ engine: TestEngine) async throws {
        try await withApp(engine) { s in
            let template = SQLTemplate("SELECT CAST(? AS TEXT) AS a, CAST(? AS BIGINT) AS b, CAST(? AS TEXT) AS c, CAST(? AS TEXT) AS d, "
                                       + "CAST(? AS BIGINT) AS e, CAST(? AS DOUBLE PRECISION) AS f")
            #expect(template.bindCount == 6)
            let binds: [any Encodable & Sendable] = ["甲", Int64(42), String?.none, "d", Int?.none, 2.5]
            let row = try #require(try await s.services.database.sql.query(template, binds).first())
            #expect(try row.decode(column: "a", as: String.self) == "甲")
            #expect(try row.decode(column: "a", as: String?.self) == "甲")
            #expect(try row.decode(column: "b", as: Int64.self) == 42)
            #expect(try row.decode(column: "b", as: Int.self) == 42)
            #expect(try row.decode(column: "b", as: Int?.self) == 42)
            #expect(try row.decode(column: "b", as: Int64?.self) == 42)
            #expect(try row.decode(column: "c", as: String?.self) == nil)
            #expect(try row.decode(column: "d", as: String.self) == "d")
            #expect(try row.decode(column: "e", as: Int?.self) == nil)
            #expect(try row.decode(column: "e", as: Int64?.self) == nil)
            // Types without a shortcut still decode (through SQLiteDataDecoder on SQLite).
            #expect(try row.decode(column: "f", as: Double.self) == 2.5)
            #expect(throws: (any Error).self) { try row.decode(column: "a", as: Int.self) }
            // Inside a transaction too (the writer's own connection on SQLite).
            let inside = try await s.services.database.transaction { db in
                try await db.query(SQLTemplate("SELECT CAST(? AS TEXT) AS a"), ["乙"]).first()?.decode(column: "a", as: String.self)
            }
            #expect(inside == "乙")
        }
    }

    /// The embedded database's shortcuts give what SQLKit's serializer and SQLiteDataEncoder give.
    @Test func sqliteShortcutsAgreeWithSQLKit() throws {
        struct Probe: Encodable { var a = 1 }
        let binds: [any Encodable & Sendable] = ["甲", 42, Int64(-7), String?.none, String?.some("乙"), Int?.none, Int?.some(3),
                                                 Int64?.none, Int64?.some(9), true, false, 1.5, Probe()]
        let template = SQLTemplate("INSERT INTO t VALUES (\(Array(repeating: "?", count: binds.count).joined(separator: ", ")))")
        let database = InlineSQLDatabase(runner: NoStatements())
        let (text, fast, _) = SQLiteBinds.statement(template(binds), serializedBy: database)
        let (expected, general) = database.serialize(template(binds))
        #expect(text == expected)
        let encoder = SQLiteDataEncoder()
        #expect(try fast.map(SQLiteBinds.data) == general.map { try encoder.encode($0) })
    }

    /// Rows of written-out statements (decoded by hand on both engines) answer as the drivers'
    /// own rows do: every usual type, nulls, the types without a shortcut and refused conversions.
    @Test(arguments: TestEngine.available)
    func handDecodedRowsAnswerAsTheDriversRows(_ engine: TestEngine) async throws {
        try await withApp(engine) { s in
            let db = s.services.database.sql
            let text = "SELECT CAST(? AS TEXT) AS t, CAST(NULL AS TEXT) AS n, CAST(? AS BIGINT) AS big, CAST(? AS INTEGER) AS small, "
                + "CAST(? AS DOUBLE PRECISION) AS d, CAST(? AS NUMERIC) AS num, CAST(? AS TEXT) AS uuid"
            let binds: [any Encodable & Sendable] = ["甲", Int64(-9_000_000_000), 7, 2.5, 3.25, "6f1c2a8e-0a54-4a5e-9d7f-3c1b2a4d5e6f"]
            let hand = try #require(try await db.query(SQLTemplate(text), binds).first())
            var query = SQLQueryString(text.components(separatedBy: "?").first ?? "")
            for (bind, rest) in zip(binds, text.components(separatedBy: "?").dropFirst()) {
                query.appendInterpolation(bind: bind)
                query.appendLiteral(rest)
            }
            let driver = try #require(try await db.raw(query).first())
            func same<D: Decodable & Equatable>(_ column: String, _ type: D.Type) throws {
                #expect(try hand.decode(column: column, as: D.self) == driver.decode(column: column, as: D.self), "\(column) as \(D.self)")
            }
            try same("t", String.self); try same("t", String?.self); try same("n", String?.self); try same("n", Int?.self)
            try same("n", Int64?.self); try same("big", Int64.self); try same("big", Int64?.self); try same("small", Int.self)
            try same("small", Int?.self); try same("small", Int64.self); try same("d", Double.self); try same("num", Double.self)
            try same("uuid", UUID.self)
            #expect(try hand.decodeNil(column: "n") && !hand.decodeNil(column: "t") && hand.decodeNil(column: "absent"))
            #expect(hand.contains(column: "big") && !hand.contains(column: "absent"))
            #expect(Set(hand.allColumns) == ["t", "n", "big", "small", "d", "num", "uuid"])
            #expect(throws: (any Error).self) { try hand.decode(column: "t", as: Int.self) }
            #expect(throws: (any Error).self) { try hand.decode(column: "n", as: String.self) }
            #expect(throws: (any Error).self) { try hand.decode(column: "absent", as: String?.self) }
        }
    }

    @Test(arguments: TestEngine.available)
    func rowsInsertSendsAnyNumberOfRowsInOrder(_ engine: TestEngine) async throws {
        try await withApp(engine) { s in
            let db = s.services.database
            try await db.sql.raw("CREATE TABLE rows_insert_probe (n BIGINT NOT NULL, label TEXT, PRIMARY KEY (n))").run()
            let insert = SQLRowsInsert("INSERT INTO rows_insert_probe (n, label)", columns: 2, tail: "ON CONFLICT (n) DO NOTHING")
            // More rows than one statement takes, with NULLs, in one transaction.
            let count = SQLRowsInsert.rowsPerStatement * 2 + 3
            try await db.transaction { tx in
                try await insert.run((1...count).map { [Int64($0), $0.isMultiple(of: 3) ? nil : "第\($0)行"] as [any Encodable & Sendable] }, on: tx)
                try await insert.run([], on: tx)
            }
            // A row already there is kept as it was (the tail's conflict clause).
            try await insert.run([[Int64(1), "again"], [Int64(count + 1), "new"]], on: db.sql)
            let rows = try await db.sql.raw("SELECT n, label FROM rows_insert_probe ORDER BY n").all()
            #expect(rows.count == count + 1)
            #expect(try rows.map { try $0.decode(column: "n", as: Int.self) } == Array(1...count + 1))
            #expect(try rows[0].decode(column: "label", as: String?.self) == "第1行")
            #expect(try rows[2].decode(column: "label", as: String?.self) == nil)
            #expect(try rows[count].decode(column: "label", as: String?.self) == "new")
        }
    }

    @Test(arguments: TestEngine.available)
    func preparedOnPostgreSQLAnswersAsUnprepared(_ engine: TestEngine) async throws {
        try await withApp(engine) { s in
            let db = s.services.database
            // Same text, binds of different types: the first use fixes the prepared statement's
            // parameter types; a later use with other types runs unprepared, with the same answer.
            let template = SQLTemplate("SELECT CAST(? AS TEXT) AS a, ? AS b")
            for _ in 0..<3 {
                let nullFirst = try #require(try await db.sql.query(template, [String?.none, Int64(7)]).first())
                #expect(try nullFirst.decode(column: "a", as: String?.self) == nil)
                #expect(try nullFirst.decode(column: "b", as: Int64.self) == 7)
            }
            let other = try #require(try await db.read.query(template, ["甲", "乙"]).first())
            #expect(try other.decode(column: "b", as: String.self) == "乙")
            // Inside a transaction, on the held connection, and an error is still an error.
            let (inside, prepared) = try await db.transaction { tx in
                let value = try await tx.query(template, ["丙", Int64(8)]).first()?.decode(column: "a", as: String.self)
                // The statement is now prepared on this connection, under a slot's name.
                let names = engine == .postgres
                    ? try await tx.raw("SELECT name FROM pg_prepared_statements").all().map { try $0.decode(column: "name", as: String.self) }
                    : []
                return (value, names)
            }
            #expect(inside == "丙")
            #expect(engine != .postgres || prepared.contains { $0.hasPrefix("tongban_") }, "\(prepared)")
            await #expect(throws: (any Error).self) {
                try await db.sql.query(SQLTemplate("SELECT * FROM no_such_table WHERE id = ?"), ["x"]).run()
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func statementFirstPreparedInAFailedTransactionRecovers(_ engine: TestEngine) async throws {
        try await withApp(engine) { s in
            // A text used nowhere else, so its first preparation happens inside the failure.
            let template = SQLTemplate("SELECT CAST(? AS TEXT) AS recovered")
            let answer = try await s.services.database.transaction { tx in
                try await tx.raw("SAVEPOINT probe").run()
                _ = try? await tx.raw("SELECT * FROM no_such_table").run()
                let inFailed = try? await tx.query(template, ["x"]).first()
                // PostgreSQL refuses everything in an aborted transaction, SQLite has no such state.
                #expect((inFailed == nil) == (engine == .postgres))
                try await tx.raw("ROLLBACK TO SAVEPOINT probe").run()
                // PostgresNIO would answer the failed preparation's error for ever on this connection.
                return try await tx.query(template, ["ok"]).first()?.decode(column: "recovered", as: String.self)
            }
            #expect(answer == "ok")
        }
    }

    @Test func everySlotNumberHasItsOwnType() async throws {
        struct Name: SlotVisitor {
            let seen: @Sendable (String) -> Void
            func visit<Slot: PreparedSlot>(_: Slot.Type) async throws -> [PostgresRow] {
                seen("\(Slot.number) \(SlotStatement<Slot>.name)")
                return []
            }
        }
        let names = Mutex<[String]>([])
        for number in 0..<PostgresPrepared.capacity {
            _ = try await SlotDigits.dispatch(number, Name { name in names.withLock { $0.append(name) } })
        }
        #expect(names.withLock { $0 } == (0..<PostgresPrepared.capacity).map { "\($0) tongban_\($0)" })
    }

    /// The usual binds are recognised as the statements carry them (`any Encodable`), and on
    /// PostgreSQL the shortcut declares and encodes what the general path does.
    @Test func postgresBindShortcutsAgreeWithTheGeneralPath() throws {
        let samples: [any Encodable & Sendable] = ["甲", 42, Int64(1) << 40, String?.some("乙"), String?.none, Int?.some(-7), Int?.none,
                                                   Int64?.some(9), Int64?.none, true, 2.5]
        for sample in samples {
            #expect(UsualBind(sample) != nil, "\(sample) takes the general path")
            var usual = PostgresBindings()
            var general = PostgresBindings()
            let usualType = try #require(try PostgresPrepared.append(sample, to: &usual), "\(sample)")
            #expect(usualType == (try PostgresPrepared.appendAny(sample, to: &general)), "\(sample)")
            #expect(usual == general, "\(sample)")
        }
        let unusual: any Encodable & Sendable = [1, 2]
        #expect(UsualBind(unusual) == nil)
        #expect(UsualBind(Int?.none) == .integer(nil))
        #expect(UsualBind(7) == .integer(7))
    }

    @Test func familiesAnswerEveryCount() {
        let family = SQLTemplateFamily(usual: 1...2) { n in SQLTemplate("SELECT 1 WHERE a IN (" + Array(repeating: "?", count: n).joined(separator: ", ") + ")") }
        #expect((1...5).map { family[$0].bindCount } == [1, 2, 3, 4, 5])
    }

    @Test func deferrableWritesNameTheirTable() {
        #expect(SQLDeferral("INSERT INTO notices (id) VALUES (?)").table == "notices")
        #expect(SQLDeferral("DELETE FROM application_tasks WHERE application_id = ?").table == "application_tasks")
        #expect(SQLDeferral("UPDATE applications\n SET status = ?").table == "applications")
        #expect(SQLTemplate("INSERT INTO t (a) VALUES (?)")([1]).deferral == nil)
    }

    @Test func combinedWritesNumberTheirBindsInOrder() throws {
        let a = SQLTemplate("INSERT INTO t (a, b) VALUES (?, ?)", deferrable: true)
        let b = SQLTemplate("DELETE FROM u WHERE c = ?", deferrable: true)
        let c = SQLTemplate("INSERT INTO v (d) VALUES (?) ON CONFLICT DO NOTHING", deferrable: true)
        let combined = SQLTemplateStatement.combining([a([1, "x"]), b(["y"]), c([2])])
        #expect(combined.postgresSQL == "WITH w1 AS (INSERT INTO t (a, b) VALUES ($1, $2)), w2 AS (DELETE FROM u WHERE c = $3) "
                + "INSERT INTO v (d) VALUES ($4) ON CONFLICT DO NOTHING")
        #expect(combined.binds.count == 4)
        #expect(combined.binds[2] as? String == "y")
        #expect(combined.deferral == nil)
        let alone = a([1, "x"])
        #expect(SQLTemplateStatement.combining([alone]).postgresSQL == alone.postgresSQL)
    }

    /// A guarded write carries its check: on PostgreSQL in the statement (`tongban_changed`),
    /// also when sent with other writes; on SQLite as a returned row to count.
    @Test func guardedWritesCarryTheirCheck() throws {
        let update = SQLTemplate("UPDATE a SET v = ? WHERE id = ? AND v = ?", deferrable: true, guarded: true)
        let insert = SQLTemplate("INSERT INTO t (a) VALUES (?)", deferrable: true)
        let alone = update([2, "k", 1])
        #expect(alone.postgresSQL == "WITH w1 AS (UPDATE a SET v = $1 WHERE id = $2 AND v = $3 RETURNING 1) "
                + "SELECT tongban_changed(EXISTS (SELECT FROM w1))")
        #expect(alone.sqliteSQL == "UPDATE a SET v = ?1 WHERE id = ?2 AND v = ?3 RETURNING 1")
        #expect(alone.deferral?.guarded == true)
        var serializer = SQLSerializer(database: InlineSQLDatabase(runner: NoStatements()))
        alone.serialize(to: &serializer)
        #expect(serializer.sql.hasPrefix("WITH w1 AS (UPDATE a SET v = "), "\(serializer.sql)")
        let combined = SQLTemplateStatement.combining([insert(["x"]), alone, insert(["y"])])
        #expect(combined.postgresSQL == "WITH w1 AS (INSERT INTO t (a) VALUES ($1)), "
                + "w2 AS (UPDATE a SET v = $2 WHERE id = $3 AND v = $4 RETURNING 1), w3 AS (INSERT INTO t (a) VALUES ($5)) "
                + "SELECT tongban_changed(EXISTS (SELECT FROM w2))")
        #expect(combined.binds.map { "\($0)" } == ["x", "2", "k", "1", "y"])
        let two = SQLTemplateStatement.combining([alone, insert(["x"]), update([3, "m", 2])])
        #expect(two.postgresSQL.hasSuffix("SELECT tongban_changed(EXISTS (SELECT FROM w1) AND EXISTS (SELECT FROM w3))"), "\(two.postgresSQL)")
    }

    @Test func textWithoutBinds() {
        #expect(SQLTemplate("SELECT 1").bindCount == 0)
        #expect(SQLTemplate("?").bindCount == 1)
    }
}

/// A runner for tests that only serialise.
private struct NoStatements: SQLiteStatementRunner {
    var eventLoop: any EventLoop { MultiThreadedEventLoopGroup.singleton.next() }
    var logger: Logger { Logger(label: "test") }
    func run(_ sql: String, _ binds: [SQLiteData], _ onRow: (any SQLRow) -> Void) throws {}
}
