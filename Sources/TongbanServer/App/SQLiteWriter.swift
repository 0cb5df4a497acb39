import Foundation
import Logging
import NIOCore
import SQLKit
import SQLiteKit
import CTongbanSQLite
import Synchronization
import VaporCSQLite

/// The one connection that writes to the embedded database, with group commit.
///
/// SQLiteNIO runs every statement as a round trip through a thread pool and back through an
/// event loop; a submission's transactions hold the single writer for 5–11 statements, so the
/// hand-overs, not SQLite, set the write rate (bench/README.md). Here a transaction's
/// statements run synchronously on the transaction thread, through prepared statements kept
/// for reuse, and transactions that queue up behind each other share one COMMIT (one fsync):
/// each runs inside a savepoint of the open batch, so a failing one undoes only its own
/// writes, and no caller hears of success before the COMMIT that makes its writes durable.
///
/// It uses the SQLite library SQLiteNIO links (the `sqlite_nio_` symbols), never a second
/// copy: two copies in one process do not see each other's POSIX locks on the file.
final class SQLiteWriter: @unchecked Sendable {
    /// Upper bounds on one batch, so a steady stream of transactions still commits often.
    static let batchLimit = 32
    static let batchWindow: UInt64 = 3_000_000 // nanoseconds

    let eventLoop: any EventLoop
    let logger: Logger

    /// Set while a task runs a transaction body: a write through `AppDatabase.sql` from
    /// inside one would wait for the gate its own body holds, for ever.
    @TaskLocal private static var holding = false

    private struct Gate {
        var held = false
        var closed = false
        var flushScheduled = false
        var waiters: [CheckedContinuation<Bool, Never>] = []
        var head = 0
        var waiting: Bool { head < waiters.count }
    }
    private let gate = Mutex(Gate())

    private let checkpointer: SQLiteCheckpointer
    // Touched only by the task holding the gate.
    private let connection: SQLiteHandle
    private var batch: [CheckedContinuation<Void, any Error>] = []
    private var batchOpen = false
    private var batchStarted: UInt64 = 0

    init(path: String, eventLoop: any EventLoop, logger: Logger) throws {
        self.eventLoop = eventLoop
        self.logger = logger
        // Checkpoints run on their own thread (`SQLiteCheckpointer`), not inside a COMMIT
        // that every queued transaction waits for. But only a checkpoint that completes right
        // after a COMMIT, before the next batch appends, lets the log start over; so past
        // 8,000 pages (about 32 MB) the writer finishes the copy itself, by then a short tail.
        // (Measured: without it the log grew to 475 MB in a 30-second benchmark.)
        // Each transaction of a batch runs in a savepoint, whose journal of the pages it
        // changed went to a temporary file: more write calls than the log itself (perf,
        // bench/README.md). In memory it is a few pages per transaction.
        connection = try SQLiteHandle(path: path, pragmas: [
            "PRAGMA foreign_keys = ON", "PRAGMA wal_autocheckpoint = 8000", "PRAGMA temp_store = MEMORY",
        ])
        checkpointer = try SQLiteCheckpointer(path: path, logger: logger)
    }

    /// Runs `body` in a savepoint of the current batch and returns once the batch is durable.
    func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await withTaskExecutorPreference(TransactionExecutor.shared) {
            try await acquire()
            let statements = InlineSQLDatabase(runner: WriterStatements(writer: self))
            do {
                if !batchOpen {
                    try connection.run("BEGIN IMMEDIATE", [], { _ in })
                    batchOpen = true
                    batchStarted = DispatchTime.now().uptimeNanoseconds
                }
                try connection.run("SAVEPOINT request", [], { _ in })
            } catch {
                abandonBatch(error)
                endTurn()
                throw error
            }
            let result: T
            do {
                result = try await Self.$holding.withValue(true) { try await body(statements) }
                try connection.run("RELEASE request", [], { _ in })
            } catch {
                undo(error)
                if batchOpen {
                    // What the body ran into (a colleague's change of the same case earlier in this
                    // batch, say) reaches readers only with the batch's COMMIT; its caller reads the
                    // case again to say how it now stands, so the refusal waits for that COMMIT.
                    try? await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
                        batch.append(done)
                        endTurn()
                    }
                } else {
                    endTurn()
                }
                throw error
            }
            try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
                batch.append(done)
                endTurn()
            }
            return result
        }
    }

    /// Runs one statement outside any batch (VACUUM and PRAGMAs refuse to run in a transaction).
    func autocommit(_ sql: String, _ binds: [SQLiteData], _ onRow: (any SQLRow) -> Void) async throws {
        try await withTaskExecutorPreference(TransactionExecutor.shared) {
            try await acquire()
            defer { release() }
            if batchOpen { commit() }
            try connection.run(sql, binds, onRow)
        }
    }

    /// Waits for the running batch, then closes the connection; later callers get an error.
    func close() async {
        guard (try? await acquire()) != nil else { return }
        if batchOpen { commit() }
        checkpointer.stop()
        connection.close()
        let waiting = gate.withLock { gate -> [CheckedContinuation<Bool, Never>] in
            gate.closed = true
            gate.held = false
            let rest = Array(gate.waiters[gate.head...])
            gate.waiters.removeAll()
            gate.head = 0
            return rest
        }
        for waiter in waiting { waiter.resume(returning: false) }
    }

    fileprivate func run(_ sql: String, _ binds: [SQLiteData], _ onRow: (any SQLRow) -> Void) throws {
        try connection.run(sql, binds, onRow)
    }

    // MARK: The gate

    private func acquire() async throws {
        if Self.holding {
            throw SQLiteStatementError(code: SQLITE_MISUSE, message: "a transaction or write started inside a transaction body; use the body's database")
        }
        let granted = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let answer: Bool? = gate.withLock { gate in
                if gate.closed { return false }
                if !gate.held { gate.held = true; return true }
                gate.waiters.append(continuation)
                return nil
            }
            if let answer { continuation.resume(returning: answer) }
        }
        if !granted { throw SQLiteStatementError(code: SQLITE_MISUSE, message: "the database is closed") }
    }

    private func release() {
        let next = gate.withLock { gate -> CheckedContinuation<Bool, Never>? in
            guard gate.waiting else {
                gate.held = false
                gate.waiters.removeAll(keepingCapacity: true)
                gate.head = 0
                return nil
            }
            let next = gate.waiters[gate.head]
            gate.head += 1
            return next
        }
        next?.resume(returning: true)
    }

    /// Commits when the batch is full or old; otherwise leaves it open for the transactions
    /// already queued on the transaction thread (they are not waiting at the gate yet: their
    /// jobs run after this one) and commits after them.
    private func endTurn() {
        if batchOpen {
            let age = DispatchTime.now().uptimeNanoseconds - batchStarted
            if batch.count >= Self.batchLimit || age >= Self.batchWindow {
                commit()
            } else if gate.withLock({ gate in
                defer { gate.flushScheduled = true }
                return !gate.flushScheduled
            }) {
                TransactionExecutor.shared.afterQueued { [self] in flush() }
            }
        }
        release()
    }

    /// The deferred commit. If a transaction holds the writer now, its own turn ends by
    /// scheduling the next flush.
    private func flush() {
        let taken = gate.withLock { gate -> Bool in
            gate.flushScheduled = false
            if gate.held || gate.closed { return false }
            gate.held = true
            return true
        }
        guard taken else { return }
        if batchOpen { commit() }
        release()
    }

    private func commit() {
        let members = batch
        batch.removeAll(keepingCapacity: true)
        batchOpen = false
        do {
            try connection.run("COMMIT", [], { _ in })
        } catch {
            rollbackIfOpen()
            for member in members { member.resume(throwing: error) }
            return
        }
        for member in members { member.resume() }
    }

    /// Undoes one failed transaction; if SQLite already rolled back the whole batch (I/O
    /// errors, a full disk), every member of it fails with that error.
    private func undo(_ error: any Error) {
        guard connection.inTransaction else {
            abandonBatch(error)
            return
        }
        do {
            try connection.run("ROLLBACK TO request", [], { _ in })
            try connection.run("RELEASE request", [], { _ in })
        } catch {
            abandonBatch(error)
        }
    }

    private func abandonBatch(_ error: any Error) {
        rollbackIfOpen()
        let members = batch
        batch.removeAll(keepingCapacity: true)
        batchOpen = false
        for member in members { member.resume(throwing: error) }
    }

    private func rollbackIfOpen() {
        if connection.inTransaction { try? connection.run("ROLLBACK", [], { _ in }) }
    }
}

/// Copies the write-ahead log back into the database file every quarter second on a thread
/// of its own. PASSIVE never waits for readers or the writer, and the writer's own automatic
/// checkpoint, which runs inside a COMMIT, is left only the tail (see `SQLiteWriter.init`).
final class SQLiteCheckpointer: @unchecked Sendable {
    private let connection: SQLiteHandle
    private let logger: Logger
    private let stopped = Mutex(false)
    private let wake = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)

    init(path: String, logger: Logger) throws {
        connection = try SQLiteHandle(path: path, pragmas: [])
        self.logger = logger
        let thread = Thread { [self] in run() }
        thread.name = "tongban-checkpoint"
        thread.start()
    }

    private func run() {
        while !stopped.withLock({ $0 }) {
            do {
                // A connection learns that the file is in WAL mode only when it reads; the
                // checkpoint alone does not read and would stay a no-op.
                try connection.run("PRAGMA schema_version", [], { _ in })
                try connection.run("PRAGMA wal_checkpoint(PASSIVE)", [], { _ in })
            } catch {
                logger.warning("WAL checkpoint failed: \(error)")
            }
            _ = wake.wait(timeout: .now() + .milliseconds(250))
        }
        connection.close()
        done.signal()
    }

    /// Returns once the thread has closed its connection.
    func stop() {
        stopped.withLock { $0 = true }
        wake.signal()
        done.wait()
    }
}

/// One raw SQLite connection. Statements run synchronously on the calling thread, through
/// prepared statements kept for reuse: an indexed read or write takes microseconds, less
/// than the thread hand-overs of an asynchronous driver. Not thread-safe; callers serialise.
final class SQLiteHandle: @unchecked Sendable {
    private var handle: OpaquePointer?
    /// Kept statements with the column names of their result, read once rather than per run.
    private var statements: [String: (statement: OpaquePointer, columns: StatementColumns?)] = [:]
    private static let statementCacheLimit = 512

    init(path: String, pragmas: [String]) throws {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let opened = sqlite_nio_sqlite3_open_v2(path, &db, flags, nil)
        guard opened == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite_nio_sqlite3_close_v2(db)
            throw SQLiteStatementError(code: opened, message: "\(path): \(message)")
        }
        handle = db
        sqlite_nio_sqlite3_busy_timeout(db, 60_000)
        // Without it SQLite re-plans a kept statement whenever a bound value might change
        // the plan, which on these queries meant nearly every execution (measured: the
        // principal lookup re-prepared on each request), undoing the statement reuse.
        let stable = tongban_sqlite_stable_plans(UnsafeMutableRawPointer(db))
        do {
            guard stable == SQLITE_OK else { throw failure(stable, on: db) }
            for pragma in pragmas { try run(pragma, [], { _ in }) }
        } catch {
            close()
            throw error
        }
    }

    var inTransaction: Bool { handle.map { sqlite_nio_sqlite3_get_autocommit($0) == 0 } ?? false }

    func close() {
        for kept in statements.values { sqlite_nio_sqlite3_finalize(kept.statement) }
        statements.removeAll()
        sqlite_nio_sqlite3_close_v2(handle)
        handle = nil
    }

    func run(_ sql: String, _ binds: [SQLiteData], _ onRow: (any SQLRow) -> Void) throws {
        guard let handle else { throw SQLiteStatementError(code: SQLITE_MISUSE, message: "the database is closed") }
        let (statement, cached, knownColumns) = try prepare(sql, on: handle)
        defer {
            if cached {
                sqlite_nio_sqlite3_reset(statement)
                sqlite_nio_sqlite3_clear_bindings(statement)
            } else {
                sqlite_nio_sqlite3_finalize(statement)
            }
        }
        for (offset, value) in binds.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .integer(let number): code = sqlite_nio_sqlite3_bind_int64(statement, index, Int64(number))
            case .float(let number): code = sqlite_nio_sqlite3_bind_double(statement, index, number)
            case .null: code = sqlite_nio_sqlite3_bind_null(statement, index)
            case .text(let text):
                code = sqlite_nio_sqlite3_bind_text64(
                    statement, index, text, UInt64(text.utf8.count), transient, UInt8(SQLITE_UTF8))
            case .blob(let bytes):
                code = bytes.withUnsafeReadableBytes {
                    sqlite_nio_sqlite3_bind_blob64(statement, index, $0.baseAddress, UInt64($0.count), transient)
                }
            }
            guard code == SQLITE_OK else { throw failure(code, on: handle) }
        }
        var columns = knownColumns
        while true {
            let code = sqlite_nio_sqlite3_step(statement)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw failure(code, on: handle) }
            // A schema change re-prepares the statement and may change `SELECT *`'s columns.
            let names = columns.flatMap { $0.names.count == Int(sqlite_nio_sqlite3_column_count(statement)) ? $0 : nil }
                ?? StatementColumns(statement)
            if columns !== names {
                columns = names
                if cached { statements[sql]?.columns = names }
            }
            var values: [SQLiteData] = []
            values.reserveCapacity(names.names.count)
            for column in 0..<Int32(names.names.count) { values.append(value(statement, column)) }
            onRow(StatementRow(columns: names, values: values))
        }
    }

    private func prepare(_ sql: String, on handle: OpaquePointer) throws -> (OpaquePointer, cached: Bool, columns: StatementColumns?) {
        if let kept = statements[sql] { return (kept.statement, true, kept.columns) }
        var statement: OpaquePointer?
        // Long statements (bulk inserts of many rows) are one-offs; keeping them would only
        // hold their memory.
        let keep = statements.count < Self.statementCacheLimit && sql.utf8.count <= 4096
        let flags: UInt32 = keep ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let code = sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, flags, &statement, nil)
        guard code == SQLITE_OK, let statement else { throw failure(code, on: handle) }
        if keep { statements[sql] = (statement, nil) }
        return (statement, keep, nil)
    }

    private func value(_ statement: OpaquePointer, _ column: Int32) -> SQLiteData {
        switch sqlite_nio_sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: return .integer(Int(sqlite_nio_sqlite3_column_int64(statement, column)))
        case SQLITE_FLOAT: return .float(sqlite_nio_sqlite3_column_double(statement, column))
        case SQLITE_TEXT:
            guard let text = sqlite_nio_sqlite3_column_text(statement, column) else { return .null }
            return .text(String(cString: text))
        case SQLITE_BLOB:
            let length = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
            var buffer = ByteBufferAllocator().buffer(capacity: length)
            if let bytes = sqlite_nio_sqlite3_column_blob(statement, column) {
                buffer.writeBytes(UnsafeRawBufferPointer(start: bytes, count: length))
            }
            return .blob(buffer)
        default: return .null
        }
    }

    private func failure(_ code: Int32, on handle: OpaquePointer) -> SQLiteStatementError {
        SQLiteStatementError(code: code, message: String(cString: sqlite_nio_sqlite3_errmsg(handle)))
    }
}

private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A statement SQLite refused; the message is SQLite's own (e.g. "UNIQUE constraint failed: …").
struct SQLiteStatementError: Error, CustomStringConvertible {
    let code: Int32
    let message: String
    var description: String { "SQLite error \(code): \(message)" }
}

/// Something that runs one SQLite statement to completion before returning.
protocol SQLiteStatementRunner: Sendable {
    var eventLoop: any EventLoop { get }
    var logger: Logger { get }
    func run(_ sql: String, _ binds: [SQLiteData], _ onRow: (any SQLRow) -> Void) throws
}

/// A statement runner as SQLKit sees it: `execute` completes before it returns.
struct InlineSQLDatabase<Runner: SQLiteStatementRunner>: SQLDatabase {
    let runner: Runner
    var logger: Logger { runner.logger }
    var eventLoop: any EventLoop { runner.eventLoop }
    var dialect: any SQLDialect { SQLiteDialect() }
    var queryLogLevel: Logger.Level? { nil }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        eventLoop.makeCompletedFuture { try runNow(query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try runNow(query, onRow)
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await closure(self)
    }

    private func runNow(_ query: any SQLExpression, _ onRow: (any SQLRow) -> Void) throws {
        let (sql, binds, guarded) = SQLiteBinds.statement(query, serializedBy: self)
        guard guarded else { return try runner.run(sql, try binds.map(SQLiteBinds.data), onRow) }
        // A guarded write's SQLite text returns a row for the row it changed.
        var changed = false
        try runner.run(sql, try binds.map(SQLiteBinds.data)) { _ in changed = true }
        if !changed { throw StaleWrite() }
    }
}

/// Statement text and bind values as SQLite takes them, the common cases without SQLKit's
/// general machinery: a template already holds its SQLite text, and the usual binds
/// (`UsualBind`) are converted directly. Serialising templates anew and `SQLiteDataEncoder`'s
/// protocol cast on every bind were together about 6 % of the server's CPU on a workflow
/// action (perf, bench/README.md sixth session).
enum SQLiteBinds {
    /// `guarded`: the statement is a guarded write (`SQLTemplate`), whose changed row the caller counts.
    static func statement(_ query: any SQLExpression, serializedBy database: any SQLDatabase)
        -> (sql: String, binds: [any Encodable], guarded: Bool) {
        if let template = query as? SQLTemplateStatement {
            return (template.sqliteSQL, template.binds, template.deferral?.guarded == true)
        }
        let (sql, binds) = database.serialize(query)
        return (sql, binds, false)
    }

    static func data(_ value: any Encodable) throws -> SQLiteData {
        switch UsualBind(value) {
        case .text(let text): text.map(SQLiteData.text) ?? .null
        case .integer(let number): number.map { .integer(Int($0)) } ?? .null
        case .boolean(let flag): .integer(flag ? 1 : 0)
        case .double(let number): .float(number)
        case nil: try SQLiteDataEncoder().encode(value)
        }
    }
}

/// The writer inside a transaction body, which holds the writer, so nothing else uses the
/// handle meanwhile.
private struct WriterStatements: SQLiteStatementRunner {
    let writer: SQLiteWriter
    var eventLoop: any EventLoop { writer.eventLoop }
    var logger: Logger { writer.logger }
    func run(_ sql: String, _ binds: [SQLiteData], _ onRow: (any SQLRow) -> Void) throws {
        try writer.run(sql, binds, onRow)
    }
}

/// Reading connections for SELECTs outside transactions. In WAL mode readers neither wait
/// for the writer nor for each other; a statement runs on the caller's thread on a
/// connection nobody else is using, and connections are opened as concurrency demands.
final class SQLiteReadPool: SQLiteStatementRunner {
    let eventLoop: any EventLoop
    let logger: Logger
    private let path: String
    private let idle = Mutex<(connections: [SQLiteHandle], closed: Bool)>(([], false))

    init(path: String, eventLoop: any EventLoop, logger: Logger) {
        self.path = path
        self.eventLoop = eventLoop
        self.logger = logger
    }

    var sql: any SQLDatabase { InlineSQLDatabase(runner: self) }

    func run(_ sql: String, _ binds: [SQLiteData], _ onRow: (any SQLRow) -> Void) throws {
        let taken = try idle.withLock { idle -> SQLiteHandle? in
            if idle.closed { throw SQLiteStatementError(code: SQLITE_MISUSE, message: "the database is closed") }
            return idle.connections.popLast()
        }
        let connection = try taken ?? SQLiteHandle(path: path, pragmas: ["PRAGMA query_only = ON"])
        defer {
            let keep = idle.withLock { idle -> Bool in
                if idle.closed { return false }
                idle.connections.append(connection)
                return true
            }
            if !keep { connection.close() }
        }
        try connection.run(sql, binds, onRow)
    }

    /// Connections in use close when their statement ends.
    func close() {
        let connections = idle.withLock { idle -> [SQLiteHandle] in
            idle.closed = true
            defer { idle.connections.removeAll() }
            return idle.connections
        }
        for connection in connections { connection.close() }
    }
}

private final class StatementColumns: Sendable {
    let names: [String]
    let index: [String: Int]

    init(_ statement: OpaquePointer) {
        let count = Int(sqlite_nio_sqlite3_column_count(statement))
        names = (0..<count).map { String(cString: sqlite_nio_sqlite3_column_name(statement, Int32($0))) }
        index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }
}

private struct StatementRow: SQLRow {
    struct MissingColumn: Error { let column: String }
    let columns: StatementColumns
    let values: [SQLiteData]

    var allColumns: [String] { columns.names }
    func contains(column: String) -> Bool { columns.index[column] != nil }
    func decodeNil(column: String) throws -> Bool {
        guard let offset = columns.index[column] else { return true }
        return values[offset] == .null
    }
    func decode<D: Decodable>(column: String, as: D.Type) throws -> D {
        guard let offset = columns.index[column] else { throw MissingColumn(column: column) }
        let value = values[offset]
        // Text and integers into String, Int and Int64 (optional or not) are converted here:
        // SQLiteDataDecoder builds a Decoder for each value, which was 6 % of the server's CPU
        // when answering with a case's timeline (perf, bench/README.md sixth session).
        switch value {
        case .text(let text):
            if let decoded = exactly(text, as: D.self) ?? exactly(Optional(text), as: D.self) { return decoded }
        case .integer(let number):
            if let decoded = exactly(Int(number), as: D.self) ?? exactly(Optional(Int(number)), as: D.self)
                ?? exactly(Int64(number), as: D.self) ?? exactly(Optional(Int64(number)), as: D.self) {
                return decoded
            }
        case .null:
            if let decoded = exactly(String?.none, as: D.self) ?? exactly(Int?.none, as: D.self)
                ?? exactly(Int64?.none, as: D.self) {
                return decoded
            }
        default: break
        }
        return try SQLiteDataDecoder().decode(D.self, from: value)
    }
}
