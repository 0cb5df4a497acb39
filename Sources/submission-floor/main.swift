import Crypto
import Foundation
import Hummingbird
import NIOCore
import Synchronization
import VaporCSQLite

/// The least any submission request could cost on this stack (Hummingbird 2 and the embedded
/// SQLite), measured by `bench/applications/sqlite_ceiling.py` against Tongban's own plaintext
/// rate: whatever the real server does, each of a submission's two requests must read its
/// JSON body, find its caller's session and make a change durable before it answers.
///
/// This server does exactly that and nothing more, as generously as it can be done: no
/// middleware, no JSON decoding, the token compared as given (Tongban hashes it), one indexed
/// read on a kept statement of a read-only connection, one single-row insert, and every insert
/// that arrives while a COMMIT runs shares the next one (group commit with no waiting window,
/// `synchronous` FULL as in Tongban). `POST /floor/audited` also appends a hash-chained audit
/// entry, as the issue's "durable, audited" asks. It is not part of the product.
///
///   submission-floor --port 8090 --data-dir /tmp/floor
struct Options {
    var port = 8090
    var dataDir = "./data-floor"

    init() {
        var args = CommandLine.arguments.dropFirst().makeIterator()
        while let arg = args.next() {
            switch arg {
            case "--port": port = Int(args.next() ?? "") ?? port
            case "--data-dir": dataDir = args.next() ?? dataDir
            default: fatalError("unknown argument \(arg)")
            }
        }
    }
}

struct FloorError: Error, CustomStringConvertible {
    let description: String
}

/// One SQLite connection with its kept statements; used by one caller at a time.
final class Connection: @unchecked Sendable {
    let db: OpaquePointer
    let statements: [OpaquePointer]
    var statement: OpaquePointer { statements[0] }

    init(path: String, readOnly: Bool, sql: String...) throws {
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        guard sqlite_nio_sqlite3_open_v2(path, &db, flags, nil) == SQLITE_OK, let db else {
            throw FloorError(description: "cannot open \(path)")
        }
        self.db = db
        sqlite_nio_sqlite3_busy_timeout(db, 60_000)
        statements = try sql.map { sql in
            var statement: OpaquePointer?
            guard sqlite_nio_sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK,
                  let statement else { throw FloorError(description: String(cString: sqlite_nio_sqlite3_errmsg(db))) }
            return statement
        }
    }

    func bind(_ index: Int32, _ text: String, on statement: OpaquePointer? = nil) {
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        sqlite_nio_sqlite3_bind_text64(statement ?? self.statement, index, text, UInt64(text.utf8.count), transient, UInt8(SQLITE_UTF8))
    }

    /// Runs a kept statement that returns no rows.
    func step(_ statement: OpaquePointer) throws {
        let code = sqlite_nio_sqlite3_step(statement)
        sqlite_nio_sqlite3_reset(statement)
        guard code == SQLITE_DONE else { throw FloorError(description: String(cString: sqlite_nio_sqlite3_errmsg(db))) }
    }

    func execute(_ sql: String) throws {
        guard sqlite_nio_sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else {
            throw FloorError(description: String(cString: sqlite_nio_sqlite3_errmsg(db)))
        }
    }
}

/// Sessions are read on a pool of read-only connections (WAL: readers never wait for the writer).
final class Sessions: Sendable {
    private let path: String
    private let idle = Mutex<[Connection]>([])

    init(path: String) { self.path = path }

    func account(token: Substring) throws -> String? {
        let connection = try idle.withLock { $0.popLast() }
            ?? Connection(path: path, readOnly: true, sql: "SELECT account_id FROM sessions WHERE token = ?1")
        defer {
            sqlite_nio_sqlite3_reset(connection.statement)
            idle.withLock { $0.append(connection) }
        }
        connection.bind(1, String(token))
        guard sqlite_nio_sqlite3_step(connection.statement) == SQLITE_ROW,
              let text = sqlite_nio_sqlite3_column_text(connection.statement, 0) else { return nil }
        return String(cString: text)
    }
}

/// The one writing connection on a thread of its own: it takes every insert queued since its
/// last COMMIT into one transaction, so callers share fsyncs, and answers each after the COMMIT.
/// An audited insert also appends an entry to a hash chain (SHA-256 over the previous entry's
/// hash and this entry, as Tongban's audit log), the least "audited" can mean.
final class Writer: @unchecked Sendable {
    private struct Pending {
        let account: String
        let payload: String
        let audited: Bool
        let done: CheckedContinuation<Int64, any Error>
    }
    private let queue = Mutex<[Pending]>([])
    private let wake = DispatchSemaphore(value: 0)
    private let connection: Connection
    // Touched only on the writer's thread.
    private var head: String

    init(path: String) throws {
        connection = try Connection(
            path: path, readOnly: false, sql: "INSERT INTO writes (account_id, payload) VALUES (?1, ?2)",
            "INSERT INTO audit (occurred_at, actor_id, action, target_id, previous_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            "SELECT hash FROM audit ORDER BY sequence DESC LIMIT 1")
        let last = connection.statements[2]
        head = sqlite_nio_sqlite3_step(last) == SQLITE_ROW ? String(cString: sqlite_nio_sqlite3_column_text(last, 0)) : ""
        sqlite_nio_sqlite3_reset(last)
        let thread = Thread { [self] in run() }
        thread.name = "floor-writer"
        thread.start()
    }

    func insert(account: String, payload: String, audited: Bool) async throws -> Int64 {
        try await withCheckedThrowingContinuation { done in
            let first = queue.withLock { queue in
                queue.append(Pending(account: account, payload: payload, audited: audited, done: done))
                return queue.count == 1
            }
            if first { wake.signal() }
        }
    }

    private func run() {
        while true {
            wake.wait()
            let batch = queue.withLock { queue in
                defer { queue.removeAll(keepingCapacity: true) }
                return queue
            }
            var ids: [Int64] = []
            let chainStart = head
            do {
                try connection.execute("BEGIN IMMEDIATE")
                for pending in batch {
                    connection.bind(1, pending.account)
                    connection.bind(2, pending.payload)
                    try connection.step(connection.statement)
                    let id = sqlite_nio_sqlite3_last_insert_rowid(connection.db)
                    ids.append(id)
                    if pending.audited { try appendAudit(actor: pending.account, target: String(id)) }
                }
                try connection.execute("COMMIT")
                for (pending, id) in zip(batch, ids) { pending.done.resume(returning: id) }
            } catch {
                head = chainStart
                try? connection.execute("ROLLBACK")
                for pending in batch { pending.done.resume(throwing: error) }
            }
        }
    }

    private func appendAudit(actor: String, target: String) throws {
        let at = String(Int64(Date().timeIntervalSince1970 * 1000))
        var hasher = SHA256()
        for field in [head, at, actor, "floor.submit", target] { hasher.update(data: Data(field.utf8)) }
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in hasher.finalize() { hex += [digits[Int(byte >> 4)], digits[Int(byte & 15)]] }
        let hash = String(decoding: hex, as: UTF8.self)
        let insert = connection.statements[1]
        for (index, value) in [at, actor, "floor.submit", target, head, hash].enumerated() {
            connection.bind(Int32(index + 1), value, on: insert)
        }
        try connection.step(insert)
        head = hash
    }
}

let options = Options()
try FileManager.default.createDirectory(atPath: options.dataDir, withIntermediateDirectories: true)
let path = options.dataDir + "/floor.sqlite"
let setup = try Connection(path: path, readOnly: false, sql: "SELECT 1")
try setup.execute("""
    PRAGMA journal_mode = WAL;
    CREATE TABLE IF NOT EXISTS sessions (token TEXT PRIMARY KEY, account_id TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS writes (id INTEGER PRIMARY KEY, account_id TEXT NOT NULL, payload TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS audit (sequence INTEGER PRIMARY KEY, occurred_at INTEGER NOT NULL, actor_id TEXT NOT NULL,
        action TEXT NOT NULL, target_id TEXT NOT NULL, previous_hash TEXT NOT NULL, hash TEXT NOT NULL);
    INSERT OR IGNORE INTO sessions VALUES ('floor-token', '0190f3c2-6a5e-7cc1-9b1e-3f5f0d2a4b11');
    """)
let sessions = Sessions(path: path)
let writer = try Writer(path: path)

let router = Router()
router.get("healthz") { _, _ in "ok" }
/// Reads the body, finds the session, stores the body (and an audit entry) durably.
@Sendable func floorRequest(_ request: Request, audited: Bool) async throws -> Response {
    let body = try await request.body.collect(upTo: 1 << 20)
    guard let authorization = request.headers[.authorization], authorization.hasPrefix("Bearer "),
          let account = try sessions.account(token: authorization.dropFirst(7)) else {
        return Response(status: .unauthorized)
    }
    let id = try await writer.insert(account: account, payload: String(buffer: body), audited: audited)
    return Response(status: .created, headers: [.contentType: "application/json"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"id":\#(id)}"#)))
}
router.post("floor") { request, _ in try await floorRequest(request, audited: false) }
router.post("floor/audited") { request, _ in try await floorRequest(request, audited: true) }
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: options.port)))
try await app.runService()
