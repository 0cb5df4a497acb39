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
    private let pieces: [String]
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
    init(_ text: String, deferrable: Bool = false, besideItsTable: Bool = false) {
        let pieces = text.split(separator: "?", omittingEmptySubsequences: false).map(String.init)
        self.pieces = pieces
        func numbered(_ mark: String) -> String {
            zip(pieces, 1...).map { piece, n in n < pieces.count ? "\(piece)\(mark)\(n)" : piece }.joined()
        }
        postgresSQL = numbered("$")
        sqliteSQL = numbered("?")
        precondition(deferrable || !besideItsTable)
        deferral = deferrable ? SQLDeferral(text, besideItsTable: besideItsTable) : nil
    }

    var bindCount: Int { pieces.count - 1 }

    /// The statement with these values bound, in the order of the `?`s.
    func callAsFunction(_ binds: [any Encodable & Sendable]) -> SQLTemplateStatement {
        precondition(binds.count == bindCount, "the template takes \(bindCount) binds, not \(binds.count)")
        return SQLTemplateStatement(pieces: pieces, postgresSQL: postgresSQL, sqliteSQL: sqliteSQL, binds: binds, deferral: deferral)
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

    init(_ text: String, besideItsTable: Bool = false) {
        self.besideItsTable = besideItsTable
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
    let postgresSQL: String
    let sqliteSQL: String
    let binds: [any Encodable & Sendable]
    /// Set when the statement may be held back in a PostgreSQL transaction.
    let deferral: SQLDeferral?

    /// One statement doing what `statements` do one after another, for PostgreSQL: all but the
    /// last become data-modifying WITH clauses of the last. Only for deferrable writes to
    /// different tables (`PostgresTransaction` sees to that): PostgreSQL runs every part on the
    /// same snapshot, so none sees another's rows, and in an order of its own, so two inserts
    /// into one table could take serial numbers out of turn.
    static func combining(_ statements: [SQLTemplateStatement]) -> SQLTemplateStatement {
        precondition(!statements.isEmpty && statements.allSatisfy { $0.deferral != nil })
        if statements.count == 1 { return statements[0] }
        let key = statements.map(\.postgresSQL).joined(separator: "\u{0}")
        let template = combined.withLock { $0[key] } ?? {
            var pieces: [String] = []
            for (index, statement) in statements.enumerated() {
                let opening = index == 0 ? "WITH w1 AS (" : index < statements.count - 1 ? "), w\(index + 1) AS (" : ") "
                if pieces.isEmpty { pieces.append(opening) } else { pieces[pieces.count - 1] += opening }
                pieces[pieces.count - 1] += statement.pieces[0]
                pieces += statement.pieces.dropFirst()
            }
            let template = SQLTemplate(pieces.joined(separator: "?"))
            combined.withLock { if $0.count < 1024 { $0[key] = template } }
            return template
        }()
        return template(statements.flatMap(\.binds))
    }

    /// Combinations made so far, by their parts' texts: a transaction's writes come in a few
    /// shapes, each split and numbered once.
    private static let combined = Mutex<[String: SQLTemplate]>([:])

    func serialize(to serializer: inout SQLSerializer) {
        for (piece, bind) in zip(pieces, binds) {
            serializer.write(piece)
            serializer.write(bind: bind)
        }
        serializer.write(pieces[pieces.count - 1])
    }
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
