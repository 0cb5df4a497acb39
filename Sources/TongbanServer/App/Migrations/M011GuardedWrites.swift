import FluentKit
import SQLKit

/// The check a guarded write carries on PostgreSQL (`SQLTemplate`'s `guarded`): a version
/// update sent in one statement with the writes that follow it fails that whole statement when
/// it changed no row, instead of answering a row count the transaction would wait for. SQLite
/// runs a transaction's statements one by one and counts the row itself; nothing to add there.
struct M011GuardedWrites: SQLMigration {
    let engine: AppDatabase.Engine
    var name: String { "M011GuardedWrites" }

    func prepare(sql: any SQLDatabase) async throws {
        guard engine == .postgres else { return }
        try await sql.raw("""
            CREATE FUNCTION tongban_changed(changed boolean) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
            BEGIN
                IF NOT changed THEN
                    RAISE EXCEPTION 'a guarded write changed no row' USING ERRCODE = '\(unsafeRaw: StaleWrite.sqlState)';
                END IF;
                RETURN true;
            END
            $$
            """).run()
    }

    func revert(sql: any SQLDatabase) async throws {
        guard engine == .postgres else { return }
        try await sql.raw("DROP FUNCTION IF EXISTS tongban_changed(boolean)").run()
    }
}
