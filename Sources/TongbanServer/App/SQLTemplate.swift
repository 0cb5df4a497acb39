import SQLKit
import Synchronization

/// A statement written out by hand, for the paths every submission and transition takes.
/// SQLKit's builders spent longer building and serialising such statements (an expression
/// tree per query, every identifier quoted afresh) than SQLite took to run them
/// (bench/README.md); a template is split once and serialises as a few appends.
///
/// `?` marks a bind and each dialect writes its own placeholder, so one text serves SQLite
/// and PostgreSQL. The text must hold no other `?` (no string literal containing one, none of
/// PostgreSQL's `?` operators).
struct SQLTemplate: Sendable {
    /// The statement's own text split at its binds, what `SQLTemplateStatement.combining` joins.
    private let pieces: [String]
    /// What PostgreSQL runs, split at its binds: the statement, and for a guarded write its check.
    private let postgresPieces: [String]
    /// The text as PostgreSQL takes it (`$1`, `$2`, …), the name it is prepared under.
    private let postgresSQL: String
    /// The text as SQLite takes it (`?1`, `?2`, …, as SQLiteKit's dialect writes them).
    private let sqliteSQL: String
    private let deferral: SQLDeferral?

    /// `deferrable`: a write that answers nothing (no RETURNING) and that nothing later in its
    /// transaction needs to have happened before its own next statement, which a PostgreSQL
    /// transaction may therefore hold back and send together with others (`PostgresTransaction`).
    /// `besideItsTable`: it may go in one statement with earlier writes to its table, because it
    /// has the same effect whether or not it sees them.
    /// `guarded`: a deferrable UPDATE that must change a row (a version check). When it changes
    /// none it throws `StaleWrite`, on PostgreSQL when it is sent (with the held writes before
    /// a read, or at COMMIT), and its transaction stores nothing. The check travels with the
    /// write, so a transaction that only writes still needs no BEGIN, no COMMIT and no answer
    /// between its statements.
    init(_ text: String, deferrable: Bool = false, besideItsTable: Bool = false, guarded: Bool = false) {
        precondition(deferrable || !besideItsTable)
        precondition(!guarded || (deferrable && !besideItsTable && text.uppercased().hasPrefix("UPDATE")))
        pieces = Self.split(text)
        postgresPieces = guarded ? Self.split(Self.postgresText([(text, guarded)])) : pieces
        postgresSQL = Self.numbered(postgresPieces, "$")
        sqliteSQL = Self.numbered(Self.split(guarded ? text + " RETURNING 1" : text), "?")
        deferral = deferrable ? SQLDeferral(text, besideItsTable: besideItsTable, guarded: guarded) : nil
    }

    fileprivate init(combined text: String) {
        pieces = Self.split(text)
        postgresPieces = pieces
        postgresSQL = Self.numbered(pieces, "$")
        sqliteSQL = Self.numbered(pieces, "?")
        deferral = nil
    }

    private static func split(_ text: String) -> [String] {
        text.split(separator: "?", omittingEmptySubsequences: false).map(String.init)
    }

    private static func numbered(_ pieces: [String], _ mark: String) -> String {
        zip(pieces, 1...).map { piece, n in n < pieces.count ? "\(piece)\(mark)\(n)" : piece }.joined()
    }

    /// One PostgreSQL statement doing what `parts` do: all but the last become data-modifying
    /// WITH clauses of the last. With a guarded part every part becomes a WITH clause and the
    /// statement is the check that each guarded part changed a row (`tongban_changed`,
    /// migration M011, which raises `StaleWrite`'s SQLSTATE otherwise). PostgreSQL runs a WITH
    /// clause the statement reads when it first reads it, and the others after the statement:
    /// a guarded update takes its row's lock (and, losing to a concurrent writer, fails) before
    /// any other part writes, as when it was sent on its own before them.
    static func postgresText(_ parts: [(text: String, guarded: Bool)]) -> String {
        let guards = parts.indices.filter { parts[$0].guarded }
        if guards.isEmpty && parts.count == 1 { return parts[0].text }
        let clauses = parts.enumerated().map { index, part in
            "w\(index + 1) AS (\(part.text)\(part.guarded ? " RETURNING 1" : ""))"
        }
        if guards.isEmpty { return "WITH " + clauses.dropLast().joined(separator: ", ") + " " + parts[parts.count - 1].text }
        return "WITH " + clauses.joined(separator: ", ") + " SELECT tongban_changed("
            + guards.map { "EXISTS (SELECT FROM w\($0 + 1))" }.joined(separator: " AND ") + ")"
    }

    var bindCount: Int { pieces.count - 1 }

    /// The statement with these values bound, in the order of the `?`s.
    func callAsFunction(_ binds: [any Encodable & Sendable]) -> SQLTemplateStatement {
        precondition(binds.count == bindCount, "the template takes \(bindCount) binds, not \(binds.count)")
        return SQLTemplateStatement(pieces: pieces, postgresPieces: postgresPieces, postgresSQL: postgresSQL, sqliteSQL: sqliteSQL,
                                    binds: binds, deferral: deferral)
    }
}

/// Templates that differ only in how many items one of their lists holds (`IN (?, ?)`, a
/// number of alternatives): made once for the usual counts, on demand for others.
struct SQLTemplateFamily: Sendable {
    private let usual: ClosedRange<Int>
    private let made: [SQLTemplate]
    private let make: @Sendable (Int) -> SQLTemplate

    init(usual: ClosedRange<Int>, _ make: @escaping @Sendable (Int) -> SQLTemplate) {
        self.usual = usual
        self.made = usual.map(make)
        self.make = make
    }

    subscript(count: Int) -> SQLTemplate {
        usual.contains(count) ? made[count - usual.lowerBound] : make(count)
    }
}

/// The table a deferrable write changes: what decides whether it may be sent in one statement
/// with other writes (`PostgresTransaction`).
struct SQLDeferral: Sendable {
    let table: Substring
    /// The write may join a batch that already writes its table (see `SQLTemplate.init`).
    let besideItsTable: Bool
    /// The write must change a row (see `SQLTemplate.init`).
    let guarded: Bool

    init(_ text: String, besideItsTable: Bool = false, guarded: Bool = false) {
        self.besideItsTable = besideItsTable
        self.guarded = guarded
        let words = text.split(whereSeparator: \.isWhitespace)
        let verb = words.first?.uppercased()
        precondition(!words.contains { $0.uppercased() == "RETURNING" }, "a deferred write answers nothing: \(text)")
        switch verb {
        case "INSERT", "DELETE":
            precondition(words.count > 2 && ["INTO", "FROM"].contains(words[1].uppercased()), "not a plain \(verb ?? ""): \(text)")
            table = words[2]
        case "UPDATE":
            table = words[1]
        default:
            preconditionFailure("only INSERT, UPDATE and DELETE can be deferred: \(text)")
        }
    }
}

struct SQLTemplateStatement: SQLExpression {
    fileprivate let pieces: [String]
    fileprivate let postgresPieces: [String]
    let postgresSQL: String
    let sqliteSQL: String
    let binds: [any Encodable & Sendable]
    /// Set when the statement may be held back in a PostgreSQL transaction.
    let deferral: SQLDeferral?

    /// One statement doing what `statements` do one after another, for PostgreSQL
    /// (`SQLTemplate.postgresText`). Only for deferrable writes to different tables
    /// (`PostgresTransaction` sees to that): PostgreSQL runs every part on the same snapshot, so
    /// none sees another's rows, and in an order of its own, so two inserts into one table could
    /// take serial numbers out of turn.
    static func combining(_ statements: [SQLTemplateStatement]) -> SQLTemplateStatement {
        precondition(!statements.isEmpty && statements.allSatisfy { $0.deferral != nil })
        if statements.count == 1 { return statements[0] }
        let key = statements.map(\.postgresSQL).joined(separator: "\u{0}")
        let template = combined.withLock { $0[key] } ?? {
            let text = SQLTemplate.postgresText(statements.map { ($0.pieces.joined(separator: "?"), $0.deferral?.guarded == true) })
            let template = SQLTemplate(combined: text)
            combined.withLock { if $0.count < 1024 { $0[key] = template } }
            return template
        }()
        return template(statements.flatMap(\.binds))
    }

    /// Combinations made so far, by their parts' texts: a transaction's writes come in a few
    /// shapes, each split and numbered once.
    private static let combined = Mutex<[String: SQLTemplate]>([:])

    /// A guarded write serialises in its PostgreSQL form, with its check: SQLite runs
    /// `sqliteSQL` instead (`SQLiteBinds`).
    func serialize(to serializer: inout SQLSerializer) {
        for (piece, bind) in zip(postgresPieces, binds) {
            serializer.write(piece)
            serializer.write(bind: bind)
        }
        serializer.write(postgresPieces[postgresPieces.count - 1])
    }
}

/// A guarded write (`SQLTemplate`'s `guarded`) changed no row: another writer changed it first.
struct StaleWrite: Error {
    /// The SQLSTATE `tongban_changed` raises on PostgreSQL (migration M011).
    static let sqlState = "TB409"
}

/// Runs a template statement with SQLKit's fetching methods (`run`, `all`, `first`, decoding).
final class SQLTemplateQuery: SQLQueryFetcher {
    let query: any SQLExpression
    let database: any SQLDatabase

    init(_ statement: SQLTemplateStatement, on database: any SQLDatabase) {
        self.query = statement
        self.database = database
    }
}

extension SQLDatabase {
    func query(_ template: SQLTemplate, _ binds: [any Encodable & Sendable] = []) -> SQLTemplateQuery {
        SQLTemplateQuery(template(binds), on: self)
    }
}

/// An INSERT of several rows as one statement (one round trip instead of one per row), for
/// the rows a write adds together: a case's timeline entries, materials, tasks.
struct SQLRowsInsert: Sendable {
    /// Rows per statement; more are sent in further statements.
    static let rowsPerStatement = 8
    private let templates: [SQLTemplate]

    /// `head` is the statement up to VALUES (`INSERT INTO t (a, b)`), `tail` what follows the
    /// rows (an `ON CONFLICT` clause, or nothing).
    init(_ head: String, columns: Int, tail: String = "", deferrable: Bool = false, besideItsTable: Bool = false) {
        let row = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
        templates = (1...Self.rowsPerStatement).map { count in
            SQLTemplate("\(head) VALUES " + Array(repeating: row, count: count).joined(separator: ", ") + (tail.isEmpty ? "" : " \(tail)"),
                        deferrable: deferrable, besideItsTable: besideItsTable)
        }
    }

    func run(_ rows: [[any Encodable & Sendable]], on db: any SQLDatabase) async throws {
        var start = 0
        while start < rows.count {
            let chunk = rows[start..<min(rows.count, start + Self.rowsPerStatement)]
            try await db.query(templates[chunk.count - 1], chunk.flatMap { $0 }).run()
            start += chunk.count
        }
    }
}

/// A bind of the types statements mostly carry, recognised by comparing type metadata. Both
/// drivers' general paths (SQLiteDataEncoder, PostgresNIO's protocol casts) cost more per bind
/// than the encoding itself (perf, bench/README.md sixth and seventh sessions).
enum UsualBind: Equatable {
    case text(String?)
    case integer(Int64?)
    case boolean(Bool)
    case double(Double)

    /// Nil for any other type. `T` is constrained so that an `any Encodable` argument is
    /// opened to its dynamic type; with an unconstrained `T` it would stay the existential and
    /// nothing would match.
    init?<T: Encodable>(_ value: T) {
        if let text = exactly(value, as: String.self) { self = .text(text) }
        else if let number = exactly(value, as: Int.self) { self = .integer(Int64(number)) }
        else if let number = exactly(value, as: Int64.self) { self = .integer(number) }
        else if let text = exactly(value, as: String?.self) { self = .text(text) }
        else if let number = exactly(value, as: Int?.self) { self = .integer(number.map(Int64.init)) }
        else if let number = exactly(value, as: Int64?.self) { self = .integer(number) }
        else if let flag = exactly(value, as: Bool.self) { self = .boolean(flag) }
        else if let number = exactly(value, as: Double.self) { self = .double(number) }
        else { return nil }
    }
}

/// `value` as a `D` when `D` is exactly its type: a comparison of type metadata, not a
/// dynamic cast.
@inline(__always)
func exactly<T, D>(_ value: T, as: D.Type) -> D? {
    T.self == D.self ? unsafeBitCast(value, to: D.self) : nil
}
