import FluentKit
import SQLKit

/// Every migration in the order it was added. Migrations are added, never edited: a
/// deployed database has already run the old text.
enum TongbanMigrations {
    /// Without `dataKey`, the migrations up to the first one that needs the data key: start-up
    /// runs those, checks its key against the database (`DataKeyCheck`, which reads M016's
    /// table), then runs the rest with the key. A key not checked (a run without the data key,
    /// `needsDataKey` off) runs none of them: data sealed with a stray key would be lost.
    static func all(engine: AppDatabase.Engine, dataKey: FieldProtector?) -> Migrations {
        let migrations = Migrations()
        migrations.add(M001Foundation(engine: engine))
        migrations.add(M002Catalog(engine: engine))
        migrations.add(M003Applications(engine: engine))
        migrations.add(M004Appeals())
        migrations.add(M005Certificates(engine: engine))
        migrations.add(M006HolidayCalendar())
        migrations.add(M007ProcessPublications())
        migrations.add(M008AgentLookup())
        migrations.add(M009HotTopicWatch())
        migrations.add(M010AuditPending(engine: engine))
        migrations.add(M011GuardedWrites(engine: engine))
        migrations.add(M012ReadIndexes())
        migrations.add(M013TaskDeadlines())
        migrations.add(M014LateCases())
        migrations.add(M015FoodLicenceFields())
        migrations.add(M016DataKeyCheck())
        migrations.add(M017QueueOrder())
        migrations.add(M018QueueFilters())
        guard let dataKey else { return migrations }
        migrations.add(M019SealApplicationForms(protector: dataKey))
        return migrations
    }
}

/// Fluent hands migrations a `Database`; ours speak SQLKit so the DDL is visible.
protocol SQLMigration: AsyncMigration {
    func prepare(sql: any SQLDatabase) async throws
    func revert(sql: any SQLDatabase) async throws
}

extension SQLMigration {
    func prepare(on database: any Database) async throws {
        try await prepare(sql: database as! any SQLDatabase)
    }
    func revert(on database: any Database) async throws {
        try await revert(sql: database as! any SQLDatabase)
    }
}
