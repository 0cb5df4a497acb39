import FluentKit
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
import ServiceLifecycle

/// The one database the application talks to, whichever engine backs it.
/// Repositories receive this and speak SQLKit, so every query is visible SQL that runs on
/// both SQLite and PostgreSQL.
public struct AppDatabase: Sendable {
    public enum Engine: Sendable { case sqlite, postgres }

    public let databases: Databases
    public let engine: Engine
    let logger: Logger
    /// One handle per event loop, made while the pools are up. After shutdown a late caller
    /// (a background sweep finishing during SIGTERM) gets a "pool shut down" error from
    /// them instead of a missing database.
    private let handles: [any Database]
    /// SQLite only: the one writing connection and the reading connections. FluentKit's
    /// pool serves only the migrations there.
    private let embedded: (writer: SQLiteWriter, readers: SQLiteReadPool)?
    private let leases: PostgresLeases

    init(databases: Databases, engine: Engine, logger: Logger, id: DatabaseID,
         embedded: (writer: SQLiteWriter, readers: SQLiteReadPool)? = nil) {
        self.databases = databases
        self.engine = engine
        self.logger = logger
        var loops: [any EventLoop] = []
        for loop in databases.eventLoopGroup.makeIterator() { loops.append(loop) }
        self.handles = loops.map { databases.database(id, logger: logger, on: $0)! }
        self.embedded = embedded
        self.leases = PostgresLeases(pools: handles)
    }

    public var fluent: any Database {
        handles.count == 1 ? handles[0] : handles.randomElement()!
    }

    /// Outside transactions. On SQLite, SELECTs go to the reading connections and every
    /// other statement to the writer, each committed before it returns.
    public var sql: any SQLDatabase {
        if let embedded { return EmbeddedSQL(writer: embedded.writer, reader: embedded.readers.sql) }
        return pooled
    }

    /// For plain SELECTs outside a transaction on paths every request takes; sees everything
    /// committed before the call. Never write through it.
    var read: any SQLDatabase { embedded?.readers.sql ?? pooled }

    /// PostgreSQL only: the executor that runs a task on `loop`, when a pool lives there.
    func executor(for loop: any EventLoop) -> (any TaskExecutor)? {
        embedded == nil ? leases.executor(for: loop) : nil
    }

    /// PostgreSQL's pool, written-out statements prepared on each connection.
    private var pooled: any SQLDatabase {
        PreparingPostgres(base: fluent as! any SQLDatabase, source: .pool(leases))
    }

    /// Runs `body` in one transaction: either everything it wrote is stored or nothing is.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        if let embedded { return try await embedded.writer.transaction(body) }
        // FluentKit would run the body as a new task, queued behind every request's work
        // while it holds a connection. The connection is leased here and the body runs in the
        // caller's task on the connection's event loop (`PostgresLeases`).
        return try await leases.withConnection { connection, leased in
            let transaction = PostgresTransaction(connection: connection, base: leased)
            do {
                let result = try await body(PreparingPostgres(base: leased, source: .transaction(transaction)))
                try await transaction.commit()
                return result
            } catch {
                await transaction.rollback()
                throw error
            }
        }
    }

    public static func open(_ store: AppConfiguration.Store, logger: Logger) throws -> AppDatabase {
        switch store {
        case .sqlite(let path):
            try FileManager.default.createDirectory(
                at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
            // FluentKit's pool only runs the migrations here (decision 0002); one event loop
            // keeps it to one connection.
            let databases = Databases(threadPool: .singleton, on: MultiThreadedEventLoopGroup.singleton.next())
            databases.use(.sqlite(.file(path), connectionPoolTimeout: .seconds(60), sqlLogLevel: .trace), as: .sqlite)
            let loop = MultiThreadedEventLoopGroup.singleton.next()
            let writer = try SQLiteWriter(path: path, eventLoop: loop, logger: logger)
            let readers = SQLiteReadPool(path: path, eventLoop: loop, logger: logger)
            return AppDatabase(databases: databases, engine: .sqlite, logger: logger, id: .sqlite,
                               embedded: (writer, readers))
        case .postgres(let url):
            let databases = Databases(threadPool: .singleton, on: MultiThreadedEventLoopGroup.singleton)
            databases.use(try .postgres(url: url, maxConnectionsPerEventLoop: 8, connectionPoolTimeout: .seconds(60), sqlLogLevel: .trace), as: .psql)
            return AppDatabase(databases: databases, engine: .postgres, logger: logger, id: .psql)
        }
    }

    /// Applies every pending migration; without the data key, only those before the first
    /// that needs it (`TongbanMigrations.all`).
    public func migrate(dataKey: FieldProtector? = nil) async throws {
        let migrator = Migrator(
            databases: databases, migrations: TongbanMigrations.all(engine: engine, dataKey: dataKey),
            logger: logger, on: databases.eventLoopGroup.any(), migrationLogLevel: .debug)
        if engine == .sqlite {
            // The writer and the migrating connection turn foreign keys on when they open.
            try await sql.raw("PRAGMA journal_mode=WAL").run()
        }
        try await migrator.setupIfNeeded().get()
        try await migrator.prepareBatch().get()
    }

    /// Runs a process's start-up — migrations, then reference, key and demo data loaded "if
    /// empty" — while no other process sharing the database runs its own: on PostgreSQL under
    /// an advisory lock, so server processes started together neither migrate at once nor both
    /// find a table empty and both fill it. (SQLite has one process.)
    public func startingUp<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        guard engine == .postgres else { return try await body() }
        // A session lock belongs to one connection: taken and released on the same leased
        // one (through the pool, the unlock could land on another connection and leave the
        // lock held, blocking the next process's start); the body runs on the pool's others.
        return try await leases.withConnection { _, db in
            try await db.raw("SELECT pg_advisory_lock(7215001)").run()
            do {
                let result = try await body()
                try await db.raw("SELECT pg_advisory_unlock(7215001)").run()
                return result
            } catch {
                try? await db.raw("SELECT pg_advisory_unlock(7215001)").run()
                throw error
            }
        }
    }

    public func shutdown() async {
        await embedded?.writer.close()
        embedded?.readers.close()
        await databases.shutdownAsync()
    }

    /// True when the database holds no accounts and no audit entries, sealed or not: safe to restore over.
    public func isEmpty() async throws -> Bool {
        struct Count: Decodable { var n: Int }
        for table in ["accounts", "audit_log", "audit_pending"] {
            let exists = try await tableExists(table)
            if !exists { continue }
            let row = try await sql.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first(decoding: Count.self)
            if (row?.n ?? 0) > 0 { return false }
        }
        return true
    }

    func tableExists(_ table: String) async throws -> Bool {
        struct Row: Decodable { var n: Int }
        let query: SQLQueryString = engine == .sqlite
            ? "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = \(bind: table)"
            : "SELECT COUNT(*)::int AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = \(bind: table)"
        return (try await sql.raw(query).first(decoding: Row.self)?.n ?? 0) > 0
    }
}

/// `AppDatabase.sql` on SQLite: reads never wait for the writer, writes never bypass it.
private struct EmbeddedSQL: SQLDatabase {
    let writer: SQLiteWriter
    let reader: any SQLDatabase
    var logger: Logger { writer.logger }
    var eventLoop: any EventLoop { writer.eventLoop }
    var dialect: any SQLDialect { reader.dialect }
    var queryLogLevel: Logger.Level? { nil }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        eventLoop.makeFutureWithTask { try await execute(sql: query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        let (sql, binds, _) = SQLiteBinds.statement(query, serializedBy: self)
        let verb = sql.drop(while: \.isWhitespace).prefix(6).uppercased()
        if verb == "SELECT" { return try await reader.execute(sql: query, onRow) }
        if verb == "VACUUM" || verb == "PRAGMA" {
            return try await writer.autocommit(sql, try binds.map(SQLiteBinds.data), onRow)
        }
        try await writer.transaction { db in try await db.execute(sql: query, onRow) }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await closure(self)
    }
}

/// Closes the connection pools after the HTTP server has drained on SIGTERM.
struct DatabaseShutdownService: Service {
    let database: AppDatabase
    func run() async throws {
        try? await gracefulShutdown()
        await database.shutdown()
    }
}

/// PostgreSQL connections from FluentKit's pools (one per event loop), each leased and used
/// with the caller's task on the pool's own event loop.
///
/// A statement's answer arrives on its connection's event loop; run from elsewhere, every
/// lease, statement and release crossed between that loop and the global executor's threads
/// (about five wake-ups per statement sent outside a transaction; futex and scheduler time
/// were the largest kernel items of a submission on PostgreSQL by perf). On the loop, a
/// statement's whole life is one thread's work and only entering and leaving cross over.
struct PostgresLeases: Sendable {
    private let pools: [any Database]
    private let executors: [EventLoopTaskExecutor]

    init(pools: [any Database]) {
        self.pools = pools
        self.executors = pools.map { EventLoopTaskExecutor($0.eventLoop) }
    }

    func executor(for loop: any EventLoop) -> EventLoopTaskExecutor? {
        executors.first { $0.loop === loop }
    }

    /// Runs `body` with one connection of a pool, as a PostgresNIO connection and as SQLKit
    /// speaks to it; the connection goes back to the pool when `body` ends. The pool of the
    /// loop the caller runs on when there is one, so nothing crosses threads.
    func withConnection<T: Sendable>(_ body: (PostgresConnection, any SQLDatabase) async throws -> T) async throws -> T {
        let index = executors.firstIndex { $0.loop.inEventLoop } ?? (pools.count == 1 ? 0 : Int.random(in: 0..<pools.count))
        let pool = pools[index]
        return try await withTaskExecutorPreference(executors[index]) {
            let leased = pool.eventLoop.makePromise(of: (any Database).self)
            let finished = pool.eventLoop.makePromise(of: Void.self)
            let released = pool.withConnection { connection -> EventLoopFuture<Void> in
                leased.succeed(connection)
                return finished.futureResult
            }
            released.whenFailure { leased.fail($0) }
            let outcome: Result<T, any Error>
            do {
                let database = try await leased.futureResult.get()
                // The connection is ours until `finished`, so it may be kept past this call.
                let connection = try await (database as! any PostgresDatabase)
                    .withConnection { $0.eventLoop.makeSucceededFuture($0) }.get()
                outcome = .success(try await body(connection, database as! any SQLDatabase))
            } catch {
                outcome = .failure(error)
            }
            finished.succeed(())
            try? await released.get()
            return try outcome.get()
        }
    }
}

/// Runs a task's jobs on an event loop: the loop a PostgreSQL connection answers on.
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        loop.execute { job.runSynchronously(on: executor) }
    }
}

/// The embedded database's one thread that runs the jobs of transactions, and the writer's
/// deferred commits, in arrival order.
final class TransactionExecutor: TaskExecutor, @unchecked Sendable {
    static let shared = TransactionExecutor()

    private enum Work {
        case job(UnownedJob)
        case block(@Sendable () -> Void)
    }

    private let condition = NSCondition()
    private var queue: [Work] = []

    private init() {
        let thread = Thread { [unowned self] in self.run() }
        thread.name = "tongban-transactions"
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        append(.job(UnownedJob(job)))
    }

    /// Runs `block` on the transaction thread after everything already queued.
    func afterQueued(_ block: @escaping @Sendable () -> Void) {
        append(.block(block))
    }

    private func append(_ work: Work) {
        condition.lock()
        queue.append(work)
        condition.signal()
        condition.unlock()
    }

    private func run() {
        var batch: [Work] = []
        while true {
            condition.lock()
            while queue.isEmpty { condition.wait() }
            swap(&batch, &queue)
            condition.unlock()
            for work in batch {
                switch work {
                case .job(let job): job.runSynchronously(on: asUnownedTaskExecutor())
                case .block(let block): block()
                }
            }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
