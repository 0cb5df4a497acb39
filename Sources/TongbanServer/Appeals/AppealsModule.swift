import Foundation
import SQLKit
import TongbanCore

/// Assembles the hotline capability: loads the shipped classifier once,
/// then registers the API, Open311 and the pages.
enum AppealsModule {
    static func makeService(_ services: TongbanServices, clock: @escaping @Sendable () -> Date) throws -> AppealService {
        AppealService(
            database: services.database, store: SQLAppealStore(database: services.database), reference: services.reference,
            accounts: services.accounts, protector: services.protector, audit: services.audit,
            classifier: try AppealClassifier(serialized: BundledResources.data("appeals/model.bin")),
            calendars: services.calendars, clock: clock)
    }

    /// Returns the service, for the background watcher the application runs.
    static func register(_ routes: SecuredRouter, services: TongbanServices, views: ViewRenderer) throws -> AppealService {
        let service = try makeService(services, clock: services.configuration.clock)
        let api = AppealsAPI(service: service, audit: services.audit)
        api.register(routes)
        HotTopicsAPI(service: service).register(routes)
        Open311API(service: service, audit: services.audit).register(routes)
        AppealsWeb(service: service, api: api, views: views).register(routes)
        return service
    }

    /// Demo routing table: the city's seven categories to the city's departments.
    static func loadDemoRoutes(_ database: AppDatabase, now: Date) async throws {
        let routes = try JSONDecoder().decode([AppealRoute].self, from: BundledResources.data("demo/appeal-routes.json"))
        let store = SQLAppealStore(database: database)
        let at = Int64(now.timeIntervalSince1970 * 1000)
        try await database.transaction { db in
            for route in routes { try await store.upsert(route, now: at, on: db) }
        }
    }
}
