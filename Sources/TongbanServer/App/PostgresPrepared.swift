import Logging
import NIOCore
import PostgresKit
import SQLKit
import Synchronization

/// Written-out statements run as named prepared statements on PostgreSQL.
///
/// A statement sent unnamed is parsed, analysed and planned again every time; with a few
/// dozen short statements per submission that was about 40 % of PostgreSQL's CPU in the
/// benchmark (perf, bench/README.md). PostgresNIO prepares a statement once per connection
/// and reuses it, but it names a statement by a Swift type (`PostgresPreparedStatement`'s
/// static `name` and `sql`). Here each distinct template text gets a slot, and each slot a
/// type built from nested generics (`Zero`/`One` digits of its number), so any template can
/// be prepared without declaring a type for it.
enum PostgresPrepared {
    /// Slots per process; texts beyond them run unprepared.
    static let capacity = 1 << SlotDigits.count

    struct Entry: Sendable {
        var sql: String
        var types: [PostgresDataType]
    }

    private struct Registry {
        var slots: [String: Int] = [:]
        var entries: [Entry] = []
        /// Slots that failed on a connection. PostgresNIO keeps a failed preparation for the
        /// connection's lifetime and answers every later use with that error, so a statement
        /// first prepared inside an aborted transaction would stay broken there; after any
        /// error the pair runs unnamed. (An id may be reused by a later connection; that one
        /// then merely runs the statement unnamed too.)
        var failed: Set<Failure> = []
    }
    private struct Failure: Hashable {
        var connection: ObjectIdentifier
        var slot: Int
    }
    private static let registry = Mutex(Registry())

    static func entry(_ slot: Int) -> Entry { registry.withLock { $0.entries[slot] } }

    /// The slot of a statement text, made on its first use with that use's parameter types.
    /// Nil when the slots are used up or the first use's types differ from these.
    static func slot(for sql: String, types: [PostgresDataType]) -> Int? {
        registry.withLock { registry in
            if let slot = registry.slots[sql] { return registry.entries[slot].types == types ? slot : nil }
            guard registry.entries.count < capacity else { return nil }
            registry.slots[sql] = registry.entries.count
            registry.entries.append(Entry(sql: sql, types: types))
            return registry.entries.count - 1
        }
    }

    /// Runs a template on a connection as a prepared statement; nil when it cannot be
    /// prepared (a bind of a type PostgresNIO cannot encode, no free slot), for the caller to
    /// send it unnamed.
    static func run(_ statement: SQLTemplateStatement, on connection: PostgresConnection, logger: Logger) async throws -> [PostgresRow]? {
        var bindings = PostgresBindings(capacity: statement.binds.count)
        var types: [PostgresDataType] = []
        types.reserveCapacity(statement.binds.count)
        for bind in statement.binds {
            guard let type = try append(bind, to: &bindings) else { return nil }
            types.append(type)
        }
        guard let slot = slot(for: statement.postgresSQL, types: types) else { return nil }
        let failure = Failure(connection: ObjectIdentifier(connection), slot: slot)
        if registry.withLock({ $0.failed.contains(failure) }) { return nil }
        do {
            return try await SlotDigits.dispatch(slot, Execute(connection: connection, bindings: bindings, logger: logger))
        } catch {
            _ = registry.withLock { $0.failed.insert(failure) }
            throw error
        }
    }

    /// Appends one bind and answers its declared type; nil for a type it cannot encode. The
    /// usual types (`UsualBind`) without protocol casts (about 1.5 % of the server's CPU per
    /// submission, perf), with the types the general path gives them.
    static func append(_ bind: any Encodable, to bindings: inout PostgresBindings) throws -> PostgresDataType? {
        func append<V: PostgresNonThrowingEncodable>(_ value: V?) -> PostgresDataType {
            if let value { bindings.append(value) } else { bindings.appendNull() }
            return V.psqlType
        }
        switch UsualBind(bind) {
        case .text(let text): return append(text)
        case .integer(let number): return append(number)
        case .boolean(let flag): return append(flag)
        case .double(let number): return append(number)
        case nil: return try appendAny(bind, to: &bindings)
        }
    }

    /// The general path: optionals looked into, then any type PostgresNIO can encode.
    static func appendAny(_ bind: Any, to bindings: inout PostgresBindings) throws -> PostgresDataType? {
        if let optional = bind as? any OptionalBind {
            guard let wrapped = optional.wrappedBind else {
                guard let type = optional.wrappedPostgresType else { return nil }
                bindings.appendNull()
                return type
            }
            return try appendAny(wrapped, to: &bindings)
        }
        guard let value = bind as? any PostgresThrowingDynamicTypeEncodable else { return nil }
        try bindings.append(value)
        return value.psqlType
    }

    private struct Execute: SlotVisitor {
        let connection: PostgresConnection
        let bindings: PostgresBindings
        let logger: Logger

        func visit<Slot: PreparedSlot>(_: Slot.Type) async throws -> [PostgresRow] {
            var rows: [PostgresRow] = []
            for try await row in try await connection.execute(SlotStatement<Slot>(bindings: bindings), logger: logger) {
                rows.append(row)
            }
            return rows
        }
    }
}

/// A slot number as a type: `One<Zero<…<Root>>>`, one digit per level.
protocol PreparedSlot { static var number: Int { get } }
enum Root: PreparedSlot { static var number: Int { 0 } }
enum Zero<Rest: PreparedSlot>: PreparedSlot { static var number: Int { Rest.number * 2 } }
enum One<Rest: PreparedSlot>: PreparedSlot { static var number: Int { Rest.number * 2 + 1 } }

protocol SlotVisitor: Sendable {
    func visit<Slot: PreparedSlot>(_: Slot.Type) async throws -> [PostgresRow]
}

enum SlotDigits {
    static let count = 8

    /// Calls the visitor with the type of slot `number`.
    static func dispatch(_ number: Int, _ visitor: some SlotVisitor) async throws -> [PostgresRow] {
        try await descend(number, digits: count, visitor, Root.self)
    }

    private static func descend<Built: PreparedSlot>(_ rest: Int, digits: Int, _ visitor: some SlotVisitor, _: Built.Type) async throws -> [PostgresRow] {
        guard digits > 0 else { return try await visitor.visit(Built.self) }
        // The most significant digit is outermost in `number`'s recursion, so it goes in first.
        let digit = (rest >> (digits - 1)) & 1
        return digit == 0
            ? try await descend(rest, digits: digits - 1, visitor, Zero<Built>.self)
            : try await descend(rest, digits: digits - 1, visitor, One<Built>.self)
    }
}

struct SlotStatement<Slot: PreparedSlot>: PostgresPreparedStatement {
    typealias Row = PostgresRow
    static var name: String { "tongban_\(Slot.number)" }
    static var sql: String { PostgresPrepared.entry(Slot.number).sql }
    static var bindingDataTypes: [PostgresDataType] { PostgresPrepared.entry(Slot.number).types }

    let bindings: PostgresBindings
    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

/// Lets a bind that is an optional be looked into: its value, or for nil the PostgreSQL type
/// of what it would hold (a prepared statement's parameter types are fixed when prepared).
protocol OptionalBind {
    var wrappedBind: Any? { get }
    var wrappedPostgresType: PostgresDataType? { get }
}

extension Optional: OptionalBind {
    var wrappedBind: Any? { map { $0 } }
    var wrappedPostgresType: PostgresDataType? {
        (Wrapped.self as? any PostgresEncodable.Type)?.psqlType
    }
}

/// A PostgreSQL database on which written-out statements run prepared, everything else as
/// SQLKit would run it: a transaction on a connection held for it, or the pool (each
/// statement then on whichever connection the pool lends).
struct PreparingPostgres: SQLDatabase {
    enum Source: Sendable {
        case transaction(PostgresTransaction)
        case pool(PostgresLeases)
    }

    let base: any SQLDatabase
    let source: Source

    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { base.version }
    var dialect: any SQLDialect { base.dialect }
    var queryLogLevel: Logger.Level? { base.queryLogLevel }

    /// Through the async path, so a transaction's held writes go out before the statement.
    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        eventLoop.makeFutureWithTask { try await execute(sql: query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        switch source {
        case .transaction(let transaction):
            try await transaction.execute(query, onRow)
        case .pool(let leases):
            try await leases.withConnection { connection, leased in
                try await PostgresPrepared.execute(query, on: connection, leased: leased, onRow)
            }
        }
    }
}

extension PostgresPrepared {
    /// Runs a statement on a leased connection: a template prepared when it can be, anything
    /// else (or a template that cannot be prepared) as SQLKit sends it.
    /// A guarded write that changed no row throws `StaleWrite`.
    static func execute(_ query: any SQLExpression, on connection: PostgresConnection, leased: any SQLDatabase,
                        _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        do {
            if let statement = query as? SQLTemplateStatement,
               let rows = try await run(statement, on: connection, logger: leased.logger) {
                for row in rows { onRow(PreparedRow(row)) }
                return
            }
            try await leased.execute(sql: query, onRow)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == StaleWrite.sqlState {
            throw StaleWrite()
        }
    }
}

/// A row of a written-out statement as SQLKit reads it. Text, integers, booleans and doubles
/// (optional or not) are decoded straight from the cell: PostgresKit's row builds a coding path,
/// looks up the type's conformance and copies the cell for every value, about 5 % of the
/// server's CPU on a workflow action (perf, bench/README.md ninth session). Other types, and
/// columns of user-defined or numeric type (where PostgresKit adapts the cell first), take
/// PostgresKit's path.
struct PreparedRow: SQLRow {
    struct MissingColumn: Error { let column: String }
    private let row: PostgresRow
    private let cells: PostgresRandomAccessRow

    init(_ row: PostgresRow) {
        self.row = row
        self.cells = row.makeRandomAccess()
    }

    var allColumns: [String] { cells.map(\.columnName) }
    func contains(column: String) -> Bool { cells.contains(column) }
    func decodeNil(column: String) throws -> Bool { !cells.contains(column) || cells[column].bytes == nil }

    func decode<D: Decodable>(column: String, as: D.Type) throws -> D {
        guard cells.contains(column) else { throw MissingColumn(column: column) }
        let cell = cells[column]
        if !cell.dataType.isUserDefined && cell.dataType != .numeric, let value = try Self.usual(cell, as: D.self) { return value }
        return try row.sql().decode(column: column, as: D.self)
    }

    /// `cell` decoded as `D` when `D` is one of the usual types; nil otherwise.
    private static func usual<D>(_ cell: PostgresCell, as: D.Type) throws -> D? {
        func read<T: PostgresDecodable>(_: T.Type) throws -> D? {
            T.self == D.self ? unsafeBitCast(try cell.decode(T.self), to: D.self) : nil
        }
        return try read(String.self) ?? read(String?.self) ?? read(Int.self) ?? read(Int?.self) ?? read(Int64.self)
            ?? read(Int64?.self) ?? read(Bool.self) ?? read(Double.self)
    }
}
