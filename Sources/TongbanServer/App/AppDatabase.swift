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
    /// SQLite only: reading connections (one per event loop) for the hot read paths. In WAL
    /// mode readers never wait for the writer, so a request's reads neither queue behind
    /// other requests' transactions on the one writing connection nor behind each other.
    private let readers: Databases?
    private let readHandles: [any Database]

    init(databases: Databases, engine: Engine, logger: Logger, id: DatabaseID, readers: Databases? = nil) {
        self.databases = databases
        self.engine = engine
        self.logger = logger
        var loops: [any EventLoop] = []
        for loop in databases.eventLoopGroup.makeIterator() { loops.append(loop) }
        self.handles = loops.map { databases.database(id, logger: logger, on: $0)! }
        self.readers = readers
        var readLoops: [any EventLoop] = []
        if let readers { for loop in readers.eventLoopGroup.makeIterator() { readLoops.append(loop) } }
        self.readHandles = readLoops.map { readers!.database(id, logger: logger, on: $0)! }
    }

    public var fluent: any Database {
        handles.count == 1 ? handles[0] : handles.randomElement()!
    }

    public var sql: any SQLDatabase { fluent as! any SQLDatabase }

    /// For plain SELECTs outside a transaction on paths every request takes; sees everything
    /// committed before the call. Never write through it.
    var read: any SQLDatabase { (readHandles.randomElement() ?? fluent) as! any SQLDatabase }

    /// Runs `body` in one transaction: either everything it wrote is stored or nothing is.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        guard engine == .sqlite, let pool = fluent as? any SQLiteDatabase else {
            return try await fluent.transaction { db in
                try await body(db as! any SQLDatabase)
            }
        }
        // FluentKit runs a SQLite transaction's body in a new unstructured task, which waits in
        // the executor's queue behind every request's work while it holds the one writing
        // connection (measured: the connection idle 35 % of the time under load). The
        // connection is leased here instead and the body runs in the caller's task.
        return try await withTaskExecutorPreference(TransactionExecutor.shared) {
        let leased = pool.eventLoop.makePromise(of: SQLiteConnection.self)
        let finished = pool.eventLoop.makePromise(of: Void.self)
        let released = pool.withConnection { connection -> EventLoopFuture<Void> in
            leased.succeed(connection)
            return finished.futureResult
        }
        released.whenFailure { leased.fail($0) }
        let connection: SQLiteConnection
        do {
            connection = try await leased.futureResult.get()
        } catch {
            finished.succeed(())
            throw error
        }
        let db = connection.sql(queryLogLevel: .trace)
        let outcome: Result<T, any Error>
        do {
            try await db.raw("BEGIN TRANSACTION").run()
            let result = try await body(db)
            try await db.raw("COMMIT TRANSACTION").run()
            outcome = .success(result)
        } catch {
            try? await db.raw("ROLLBACK TRANSACTION").run()
            outcome = .failure(error)
        }
        finished.succeed(())
        try await released.get()
        return try outcome.get()
        }
    }

    public static func open(_ store: AppConfiguration.Store, logger: Logger) throws -> AppDatabase {
        switch store {
        case .sqlite(let path):
            try FileManager.default.createDirectory(
                at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
            // One event loop means one SQLite connection: writers queue instead of fighting
            // over the file lock (measured 1.5–2× faster, see STACK-NOTES).
            let databases = Databases(threadPool: .singleton, on: MultiThreadedEventLoopGroup.singleton.next())
            databases.use(.sqlite(.file(path), connectionPoolTimeout: .seconds(60), sqlLogLevel: .trace), as: .sqlite)
            let readers = Databases(threadPool: .singleton, on: MultiThreadedEventLoopGroup.singleton)
            readers.use(.sqlite(.file(path), connectionPoolTimeout: .seconds(60), sqlLogLevel: .trace), as: .sqlite)
            return AppDatabase(databases: databases, engine: .sqlite, logger: logger, id: .sqlite, readers: readers)
        case .postgres(let url):
            let databases = Databases(threadPool: .singleton, on: MultiThreadedEventLoopGroup.singleton)
            databases.use(try .postgres(url: url, maxConnectionsPerEventLoop: 8, connectionPoolTimeout: .seconds(60), sqlLogLevel: .trace), as: .psql)
            return AppDatabase(databases: databases, engine: .postgres, logger: logger, id: .psql)
        }
    }

    /// Applies every pending migration. On PostgreSQL an advisory lock keeps two server
    /// processes that start together from migrating at the same time.
    public func migrate() async throws {
        if engine == .sqlite {
            try await sql.raw("PRAGMA journal_mode=WAL").run()
            try await sql.raw("PRAGMA foreign_keys=ON").run()
        }
        let migrator = Migrator(
            databases: databases, migrations: TongbanMigrations.all(engine: engine),
            logger: logger, on: databases.eventLoopGroup.any(), migrationLogLevel: .debug)
        if engine == .postgres {
            try await sql.raw("SELECT pg_advisory_lock(7215001)").run()
        }
        do {
            try await migrator.setupIfNeeded().get()
            try await migrator.prepareBatch().get()
        } catch {
            if engine == .postgres { try? await sql.raw("SELECT pg_advisory_unlock(7215001)").run() }
            throw error
        }
        if engine == .postgres {
            try await sql.raw("SELECT pg_advisory_unlock(7215001)").run()
        }
    }

    public func shutdown() async {
        await readers?.shutdownAsync()
        await databases.shutdownAsync()
    }

    /// True when the database holds no accounts and no audit entries: safe to restore over.
    public func isEmpty() async throws -> Bool {
        struct Count: Decodable { var n: Int }
        for table in ["accounts", "audit_log"] {
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

/// Closes the connection pools after the HTTP server has drained on SIGTERM.
struct DatabaseShutdownService: Service {
    let database: AppDatabase
    func run() async throws {
        try? await gracefulShutdown()
        await database.shutdown()
    }
}

/// One thread that runs the jobs of transactions, in arrival order.
final class TransactionExecutor: TaskExecutor, @unchecked Sendable {
    static let shared = TransactionExecutor()

    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    private init() {
        let thread = Thread { [unowned self] in self.run() }
        thread.name = "tongban-transactions"
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func run() {
        var batch: [UnownedJob] = []
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            swap(&batch, &jobs)
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
