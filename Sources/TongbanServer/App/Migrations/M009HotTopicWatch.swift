import FluentKit
import SQLKit

/// How far the hot-topic watcher has looked: appeals created up to `checked_until`
/// (milliseconds) have been checked for spikes. One row; processes claim a window by moving
/// it with compare-and-set, so no window is checked twice.
struct M009HotTopicWatch: SQLMigration {
    var name: String { "M009HotTopicWatch" }

    func prepare(sql: any SQLDatabase) async throws {
        try await sql.create(table: "appeal_spike_watch")
            .column("id", type: .int, .primaryKey(autoIncrement: false))
            .column("checked_until", type: .bigint, .notNull)
            .run()
        try await sql.insert(into: "appeal_spike_watch").columns("id", "checked_until").values(SQLBind(1), SQLBind(Int64(0))).run()
    }

    func revert(sql: any SQLDatabase) async throws {
        try await sql.drop(table: "appeal_spike_watch").ifExists().run()
    }
}
