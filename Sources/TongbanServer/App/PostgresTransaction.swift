import Logging
import PostgresKit
import SQLKit
import Synchronization

/// A transaction on one leased PostgreSQL connection that sends its deferrable writes together.
///
/// Every statement is a round trip, and on two cores the client's part of a round trip (a
/// write, a wake-up, a read, the driver's bookkeeping) was most of the server's CPU per
/// submission on PostgreSQL (perf, bench/README.md). Writes whose templates are marked
/// deferrable are held until the transaction next needs an answer from the database or ends,
/// then sent as one statement (`SQLTemplateStatement.combining`). BEGIN is sent only before
/// the first statement that answers something; a transaction that only makes deferrable
/// writes sends one statement and no BEGIN or COMMIT, a single statement being atomic already.
///
/// PostgreSQL runs the parts of one statement on one snapshot, so no part sees another's
/// rows, and in an order of its own (serial numbers of two inserts into one table could come
/// out of turn): a batch never holds two writes to one table, unless the later one is marked
/// as having the same effect either way (`SQLTemplate`'s `besideItsTable`). A deferred
/// write that fails (a constraint) fails the transaction when the batch is sent, at the
/// latest when it ends, so the transaction still stores all or nothing; the error merely
/// surfaces at a later statement than the one that caused it.
final class PostgresTransaction: Sendable {
    private struct State {
        var begun = false
        var held: [SQLTemplateStatement] = []
    }

    let connection: PostgresConnection
    /// The same connection as SQLKit speaks to it, for statements that are not templates.
    let base: any SQLDatabase
    private let state = Mutex(State())

    init(connection: PostgresConnection, base: any SQLDatabase) {
        self.connection = connection
        self.base = base
    }

    func execute(_ query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        if let statement = query as? SQLTemplateStatement, let deferral = statement.deferral {
            let conflicts = !deferral.besideItsTable && state.withLock { $0.held.contains { $0.deferral?.table == deferral.table } }
            if conflicts { try await sendHeld() }
            state.withLock { $0.held.append(statement) }
            return
        }
        try await sendHeld()
        try await run(query, onRow)
    }

    /// Sends what is held and COMMITs, or with nothing begun sends the held writes alone.
    func commit() async throws {
        let (begun, held) = takeHeld()
        if !held.isEmpty { try await run(SQLTemplateStatement.combining(held)) { _ in } }
        if begun { try await base.raw("COMMIT").run() }
    }

    /// Forgets what is held; ROLLBACK when something was sent.
    func rollback() async {
        let (begun, _) = takeHeld()
        if begun { try? await base.raw("ROLLBACK").run() }
    }

    private func takeHeld() -> (begun: Bool, held: [SQLTemplateStatement]) {
        state.withLock { state in
            defer { state.held = [] }
            return (state.begun, state.held)
        }
    }

    /// Opens the transaction if need be and sends the held writes, so what follows sees them.
    private func sendHeld() async throws {
        let (begun, held) = state.withLock { state in
            defer { state.begun = true; state.held = [] }
            return (state.begun, state.held)
        }
        if !begun { try await base.raw("BEGIN").run() }
        if !held.isEmpty { try await run(SQLTemplateStatement.combining(held)) { _ in } }
    }

    private func run(_ query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        try await PostgresPrepared.execute(query, on: connection, leased: base, onRow)
    }
}
