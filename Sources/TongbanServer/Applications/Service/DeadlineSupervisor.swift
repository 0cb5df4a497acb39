import Foundation
import Logging
import ServiceLifecycle
import TongbanCore

/// Recomputes warning levels and escalates overdue cases in the background. It keeps no
/// state of its own: what was checked lives in the database, so it survives restarts, and
/// rows are claimed so that several server processes share the work without overlap.
struct DeadlineSupervisor: PeriodicService {
    let applications: ApplicationService
    let interval: Duration
    let logger: Logger
    let worker = "sweeper-\(UUID.randomID())"

    func turn() async throws {
        let checked = try await applications.sweep(worker: worker)
        if checked > 0 { logger.debug("deadline sweep checked \(checked) applications") }
    }
}

extension ApplicationService {
    /// The service as the server runs it: the bundled catalog until the catalog capability
    /// provides its own, the published holiday calendar, the configured upload directory.
    static func make(_ config: AppConfiguration, database: AppDatabase, accounts: any AccountStore, reference: any ReferenceStore,
                     protector: FieldProtector,
                     audit: any AuditLog, divisions: DivisionIndex, calendars: CalendarBook, catalog: any PublishedCatalog,
                     suppliers: [any MaterialSupplier], listeners: [any ConclusionListener]) throws -> ApplicationService {
        ApplicationService(
            database: database, store: SQLApplicationStore(protector: protector), catalog: catalog, library: try ProcessLibrary(publications: SQLProcessPublicationStore()),
            accounts: accounts, reference: reference, protector: protector, audit: audit, divisions: divisions,
            calendars: calendars,
            suppliers: suppliers, listeners: listeners,
            uploads: config.uploadDirectory, clock: config.clock)
    }
}
