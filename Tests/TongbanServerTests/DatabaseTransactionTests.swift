import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit
import Testing
@testable import TongbanServer

/// `AppDatabase.transaction` under concurrency. On SQLite transactions that queue up share
/// one COMMIT (group commit); these tests hold it to what a transaction promises on either
/// engine: a failing transaction leaves nothing behind and takes nobody else's writes with it.
@Suite struct DatabaseTransactionTests {
    struct Failure: Error {}
    struct Row: Decodable { var label: String }
    struct Count: Decodable { var n: Int }

    /// A fresh database with a `scratch` table.
    private func withDatabase(_ engine: TestEngine, _ body: (AppDatabase) async throws -> Void) async throws {
        try await withStore(engine) { database, _ in
            try await database.sql.raw("CREATE TABLE scratch (id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE)").run()
            try await body(database)
        }
    }

    private func withStore(_ engine: TestEngine, _ body: (AppDatabase, AppConfiguration.Store) async throws -> Void) async throws {
        let store = try await TestStore.make(engine, clock: TestClock())
        let database = try AppDatabase.open(store.configuration.store, logger: Logger(label: "test"))
        do {
            try await body(database, store.configuration.store)
        } catch {
            await database.shutdown()
            await store.cleanup()
            throw error
        }
        await database.shutdown()
        await store.cleanup()
    }

    private func labels(_ database: AppDatabase) async throws -> Set<String> {
        Set(try await database.sql.raw("SELECT label FROM scratch").all(decoding: Row.self).map(\.label))
    }

    /// A transaction refused because of what another one wrote (a colleague's change of the same
    /// case: the version check) answers with the state as it now stands, read after the refusal.
    /// On SQLite both may share a batch: the refusal must wait for the COMMIT that shows readers
    /// the write it ran into.
    @Test(arguments: TestEngine.available)
    func aRefusalComesAfterTheWriteItRanIntoIsVisible(engine: TestEngine) async throws {
        try await withDatabase(engine) { database in
            let unseen = await withTaskGroup(of: Int.self) { group in
                for i in 1...30 {
                    group.addTask {
                        _ = try? await database.transaction { db in
                            try await db.insert(into: "scratch").columns("id", "label").values(SQLBind(i), SQLBind("w\(i)")).run()
                        }
                        return 0
                    }
                    group.addTask {
                        do {
                            try await database.transaction { db in
                                let written = try await db.select().column("label").from("scratch").where("id", .equal, SQLBind(i))
                                    .all(decoding: Row.self)
                                if !written.isEmpty { throw Failure() }
                            }
                            return 0
                        } catch {
                            // Refused because the row was there: readers must see it now.
                            let seen = try? await database.sql.select().column("label").from("scratch").where("id", .equal, SQLBind(i))
                                .all(decoding: Row.self)
                            return seen?.isEmpty == false ? 0 : 1
                        }
                    }
                }
                return await group.reduce(0, +)
            }
            #expect(unseen == 0, "refusals answered before the write they ran into was committed")
        }
    }

    @Test(arguments: TestEngine.available)
    func concurrentTransactionsFailAlone(engine: TestEngine) async throws {
        try await withDatabase(engine) { database in
            let outcomes = await withTaskGroup(of: (Int, Result<Int, any Error>).self) { group in
                for i in 1...60 {
                    group.addTask {
                        do {
                            let value = try await database.transaction { db in
                                try await db.insert(into: "scratch").columns("id", "label").values(SQLBind(i), SQLBind("a\(i)")).run()
                                if i % 5 == 0 { throw Failure() }
                                // Seven transactions (7, 14, … 56 but 35) claim one label: only one may have it.
                                let label = i % 7 == 0 ? "shared" : "b\(i)"
                                try await db.insert(into: "scratch").columns("id", "label").values(SQLBind(1000 + i), SQLBind(label)).run()
                                return i
                            }
                            return (i, .success(value))
                        } catch {
                            return (i, .failure(error))
                        }
                    }
                }
                var all: [Int: Result<Int, any Error>] = [:]
                for await (i, outcome) in group { all[i] = outcome }
                return all
            }
            let stored = try await labels(database)
            var sharedWinners = 0
            for (i, outcome) in outcomes {
                switch outcome {
                case .success(let value):
                    #expect(value == i)
                    #expect(stored.contains("a\(i)"))
                    if i % 7 == 0 { sharedWinners += 1 } else { #expect(stored.contains("b\(i)")) }
                case .failure(let error):
                    #expect(!stored.contains("a\(i)"), "transaction \(i) failed but left its first row")
                    if i % 5 == 0 {
                        #expect(error is Failure)
                    } else {
                        #expect(i % 7 == 0)
                        #expect(isUniqueViolation(error), "\(error)")
                    }
                }
            }
            #expect(sharedWinners == 1)
            #expect(outcomes.values.filter { if case .failure = $0 { true } else { false } }.count == 12 + 6)
            #expect(stored.count == (60 - 12 - 6) * 2)
        }
    }

    @Test(arguments: TestEngine.available)
    func transactionSeesItsOwnWritesAndOthersSeeThemOnlyAfterwards(engine: TestEngine) async throws {
        try await withDatabase(engine) { database in
            let inside = try await database.transaction { db in
                try await db.insert(into: "scratch").columns("id", "label").values(SQLBind(1), SQLBind("x")).run()
                return try await db.raw("SELECT COUNT(*) AS n FROM scratch").first(decoding: Count.self)?.n
            }
            #expect(inside == 1)
            #expect(try await labels(database) == ["x"])
            await #expect(throws: Failure.self) {
                try await database.transaction { db in
                    try await db.update("scratch").set("label", to: "y").run()
                    throw Failure()
                }
            }
            #expect(try await labels(database) == ["x"])
        }
    }

    /// Deferrable writes (held back and sent together on PostgreSQL, `PostgresTransaction`) keep
    /// the meaning of statements run one after another, on both engines.
    @Test(arguments: TestEngine.available)
    func deferrableWritesKeepTheirOrderAndTheirTransaction(engine: TestEngine) async throws {
        let insert = SQLTemplate("INSERT INTO scratch (id, label) VALUES (?, ?)", deferrable: true)
        let insertTwo = SQLRowsInsert("INSERT INTO scratch (id, label)", columns: 2, deferrable: true)
        let delete = SQLTemplate("DELETE FROM scratch WHERE label = ?", deferrable: true)
        let rename = SQLTemplate("UPDATE scratch SET label = ? WHERE id = ?", deferrable: true)
        let insertBeside = SQLTemplate("INSERT INTO scratch (id, label) VALUES (?, ?)", deferrable: true, besideItsTable: true)
        try await withDatabase(engine) { database in
            let seen = try await database.transaction { db in
                try await db.query(insert, [1, "a"]).run()
                try await insertTwo.run([[2, "b"], [3, "c"]], on: db)
                // A delete and an update of rows held back above: each must find them.
                try await db.query(delete, ["b"]).run()
                try await db.query(rename, ["c2", 3]).run()
                try await db.query(insert, [4, "d"]).run()
                // Marked as not minding earlier writes to its table: it adds a row nothing above touches.
                try await db.query(insertBeside, [13, "m"]).run()
                // A read inside the transaction sees every write before it.
                let inside = try await db.raw("SELECT label FROM scratch").all(decoding: Row.self).map(\.label)
                try await db.query(insert, [5, "e"]).run()
                return Set(inside)
            }
            #expect(seen == ["a", "c2", "d", "m"])
            #expect(try await labels(database) == ["a", "c2", "d", "m", "e"])

            // Only deferrable writes: a failure among them (a taken label) stores none of them.
            await #expect(throws: (any Error).self) {
                try await database.transaction { db in
                    try await db.query(insert, [6, "f"]).run()
                    try await db.query(insert, [7, "a"]).run()
                    try await db.query(insert, [8, "h"]).run()
                }
            }
            // After a read, and failing only when the transaction ends.
            await #expect(throws: (any Error).self) {
                try await database.transaction { db in
                    try await db.query(insert, [9, "i"]).run()
                    _ = try await db.raw("SELECT COUNT(*) AS n FROM scratch").first(decoding: Count.self)
                    try await db.query(insert, [10, "j"]).run()
                    try await db.query(insert, [11, "e"]).run()
                }
            }
            // The body's own error after held writes.
            await #expect(throws: Failure.self) {
                try await database.transaction { db in
                    try await db.query(insert, [12, "l"]).run()
                    throw Failure()
                }
            }
            #expect(try await labels(database) == ["a", "c2", "d", "m", "e"])
        }
    }

    /// A guarded write (a version check) that changes no row fails its transaction with
    /// `StaleWrite` and stores nothing of it, whether it is sent alone, with the writes held
    /// after it, before a read or at COMMIT (PostgreSQL), or run at once (SQLite).
    @Test(arguments: TestEngine.available)
    func guardedWritesFailTheirTransactionWhenTheyChangeNothing(engine: TestEngine) async throws {
        let rename = SQLTemplate("UPDATE scratch SET label = ? WHERE id = ? AND label = ?", deferrable: true, guarded: true)
        let insert = SQLTemplate("INSERT INTO scratch (id, label) VALUES (?, ?)", deferrable: true)
        let other = SQLTemplate("INSERT INTO other (id) VALUES (?)", deferrable: true)
        try await withDatabase(engine) { database in
            try await database.migrate()
            try await database.sql.raw("CREATE TABLE other (id INTEGER PRIMARY KEY)").run()
            try await database.sql.raw("INSERT INTO scratch (id, label) VALUES (1, 'v1')").run()
            func others() async throws -> Int {
                try await database.sql.raw("SELECT COUNT(*) AS n FROM other").first(decoding: Count.self)?.n ?? -1
            }
            // Alone, outside a transaction.
            await #expect(throws: StaleWrite.self) { try await database.sql.query(rename, ["v2", 1, "v0"]).run() }
            try await database.sql.query(rename, ["v2", 1, "v1"]).run()
            #expect(try await labels(database) == ["v2"])

            // In one statement with the writes held with it, at COMMIT (no BEGIN on PostgreSQL),
            // before a read, or before a write to its own table: none of them stored.
            await #expect(throws: StaleWrite.self) {
                try await database.transaction { db in
                    try await db.query(rename, ["v3", 1, "v1"]).run()
                    try await db.query(other, [1]).run()
                }
            }
            await #expect(throws: StaleWrite.self) {
                try await database.transaction { db in
                    try await db.query(other, [1]).run()
                    try await db.query(rename, ["v3", 1, "v1"]).run()
                    _ = try await db.raw("SELECT COUNT(*) AS n FROM scratch").first(decoding: Count.self)
                    try await db.query(other, [2]).run()
                }
            }
            await #expect(throws: StaleWrite.self) {
                try await database.transaction { db in
                    try await db.query(rename, ["v3", 1, "v1"]).run()
                    try await db.query(other, [1]).run()
                    try await db.query(insert, [2, "x"]).run()
                }
            }
            #expect(try await labels(database) == ["v2"])
            #expect(try await others() == 0)

            // Winning, with the same writes.
            try await database.transaction { db in
                try await db.query(rename, ["v3", 1, "v2"]).run()
                try await db.query(insert, [2, "x"]).run()
                try await db.query(other, [1]).run()
            }
            #expect(try await labels(database) == ["v3", "x"])
            #expect(try await others() == 1)

            // Losing to a writer still open when it was sent: the loser waits for the winner's
            // row, then fails on its guard, not on the key both wanted (on PostgreSQL the insert
            // goes in the same statement as the guarded update and must run after it).
            let winnerSent = AsyncStream.makeStream(of: Void.self)
            async let winner: Void = database.transaction { db in
                try await db.query(rename, ["v4", 1, "v3"]).run()
                try await db.query(other, [7]).run()
                _ = try await db.raw("SELECT COUNT(*) AS n FROM scratch").first(decoding: Count.self)
                winnerSent.continuation.yield()
                try await Task.sleep(for: .milliseconds(300))
            }
            for await _ in winnerSent.stream { break }
            let loser: Result<Void, any Error> = await {
                do {
                    return .success(try await database.transaction { db in
                        try await db.query(rename, ["v4b", 1, "v3"]).run()
                        try await db.query(other, [7]).run()
                    })
                } catch { return .failure(error) }
            }()
            try await winner
            guard case .failure(let error) = loser else { Issue.record("the second writer won too"); return }
            #expect(error is StaleWrite, "\(error)")
            #expect(try await labels(database) == ["v4", "x"])
            #expect(try await others() == 2)
        }
    }

    /// On PostgreSQL a request may run on an event loop of the pools (`EventLoopAffinityMiddleware`):
    /// reads, transactions and nested use of both pools work from there as from anywhere.
    @Test(arguments: TestEngine.available)
    func statementsRunFromAnEventLoopExecutor(engine: TestEngine) async throws {
        try await withDatabase(engine) { database in
            let loops = Array(database.databases.eventLoopGroup.makeIterator())
            let executors = loops.compactMap { database.executor(for: $0) }
            #expect(executors.count == (engine == .postgres ? loops.count : 0))
            let elsewhere = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            #expect(database.executor(for: elsewhere.next()) == nil)
            try await elsewhere.shutdownGracefully()
            for (index, executor) in executors.enumerated() {
                let answer = try await withTaskExecutorPreference(executor) {
                    try await database.transaction { db in
                        try await db.insert(into: "scratch").columns("id", "label").values(SQLBind(index), SQLBind("loop\(index)")).run()
                    }
                    return try await database.sql.raw("SELECT COUNT(*) AS n FROM scratch").first(decoding: Count.self)?.n
                }
                #expect(answer == index + 1)
            }
            // More concurrent transactions than one loop's pool has connections, all started on one loop.
            if let executor = executors.first {
                try await withTaskExecutorPreference(executor) {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for i in 100..<140 {
                            group.addTask {
                                try await database.transaction { db in
                                    try await db.insert(into: "scratch").columns("id", "label").values(SQLBind(i), SQLBind("many\(i)")).run()
                                    _ = try await db.raw("SELECT COUNT(*) AS n FROM scratch").first(decoding: Count.self)
                                }
                            }
                        }
                        try await group.waitForAll()
                    }
                }
                #expect(try await labels(database).filter { $0.hasPrefix("many") }.count == 40)
            }
        }
    }

    /// A write that bypasses the body's database would wait for the writer its own body
    /// holds; it fails instead of hanging, and the transaction's own writes are undone.
    @Test func aWriteAroundTheBodysDatabaseFailsInsteadOfHanging() async throws {
        try await withDatabase(.sqlite) { database in
            await #expect(throws: SQLiteStatementError.self) {
                try await database.transaction { db in
                    try await db.insert(into: "scratch").columns("id", "label").values(SQLBind(1), SQLBind("inside")).run()
                    try await database.sql.raw("INSERT INTO scratch (id, label) VALUES (2, 'around')").run()
                }
            }
            #expect(try await labels(database).isEmpty)
            try await database.sql.raw("INSERT INTO scratch (id, label) VALUES (3, 'after')").run()
            #expect(try await labels(database) == ["after"])
        }
    }

    /// The writer never checkpoints; the checkpoint thread must bring the log into the file.
    @Test func writesReachTheDatabaseFileWhileItIsOpen() async throws {
        try await withStore(.sqlite) { database, store in
            guard case .sqlite(let path) = store else { return }
            func fileSize() throws -> Int {
                (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            }
            try await database.sql.raw("PRAGMA journal_mode=WAL").run()
            try await database.sql.raw("CREATE TABLE filler (id INTEGER PRIMARY KEY, text TEXT NOT NULL)").run()
            let before = try fileSize()
            let text = String(repeating: "填", count: 100)
            try await database.transaction { db in
                for i in 0..<3000 { try await db.raw("INSERT INTO filler (id, text) VALUES (\(bind: i), \(bind: text))").run() }
            }
            var grown = false
            for _ in 0..<40 where !grown {
                try await Task.sleep(for: .milliseconds(100))
                grown = try fileSize() > before + 500_000
            }
            let size = try fileSize()
            #expect(grown, "the database file stayed at \(size) bytes, \(before) before the writes")
        }
    }

    @Test func closedDatabaseRefusesTransactions() async throws {
        let store = try await TestStore.make(.sqlite, clock: TestClock())
        let database = try AppDatabase.open(store.configuration.store, logger: Logger(label: "test"))
        await database.shutdown()
        await #expect(throws: (any Error).self) {
            try await database.transaction { db in try await db.raw("SELECT 1").run() }
        }
        await store.cleanup()
    }
}
