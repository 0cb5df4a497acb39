import SQLKit

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

    init(_ text: String) {
        let pieces = text.split(separator: "?", omittingEmptySubsequences: false).map(String.init)
        self.pieces = pieces
        func numbered(_ mark: String) -> String {
            zip(pieces, 1...).map { piece, n in n < pieces.count ? "\(piece)\(mark)\(n)" : piece }.joined()
        }
        postgresSQL = numbered("$")
        sqliteSQL = numbered("?")
    }

    var bindCount: Int { pieces.count - 1 }

    /// The statement with these values bound, in the order of the `?`s.
    func callAsFunction(_ binds: [any Encodable & Sendable]) -> SQLTemplateStatement {
        precondition(binds.count == bindCount, "the template takes \(bindCount) binds, not \(binds.count)")
        return SQLTemplateStatement(pieces: pieces, postgresSQL: postgresSQL, sqliteSQL: sqliteSQL, binds: binds)
    }
}

struct SQLTemplateStatement: SQLExpression {
    fileprivate let pieces: [String]
    let postgresSQL: String
    let sqliteSQL: String
    let binds: [any Encodable & Sendable]

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
    init(_ head: String, columns: Int, tail: String = "") {
        let row = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
        templates = (1...Self.rowsPerStatement).map { count in
            SQLTemplate("\(head) VALUES " + Array(repeating: row, count: count).joined(separator: ", ") + (tail.isEmpty ? "" : " \(tail)"))
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
