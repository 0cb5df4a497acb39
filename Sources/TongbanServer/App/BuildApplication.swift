import Foundation
import Hummingbird
import Logging
import SQLKit
import ServiceLifecycle
import TongbanCore

/// The assembled services of one server process; tests reach the database and the route
/// declarations through it.
public struct TongbanServices: Sendable {
    public let configuration: AppConfiguration
    public let database: AppDatabase
    public let protector: FieldProtector
    public let audit: any AuditLog
    public let reference: any ReferenceStore
    public let accounts: any AccountStore
    public let identity: IdentityService
    public let catalog: CatalogService
    public let certificates: CertificateService
    public let applications: ApplicationService
    public let calendars: CalendarBook
    /// Demo log-ins when this start loaded the demo data set.
    public let demoLogins: [DemoData.Login]?

    /// Opens and migrates the database, loads reference data (and demo data when asked).
    public static func start(_ config: AppConfiguration, logger: Logger) async throws -> TongbanServices {
        let database = try AppDatabase.open(config.store, logger: logger)
        do {
            return try await database.startingUp {
                try await database.migrate()
                let loaded = try await DivisionLoader.loadIfEmpty(database)
                if loaded > 0 { logger.info("loaded \(loaded) divisions") }
                let (protector, checked) = try await DataKeyCheck.load(config, database: database, logger: logger)
                if checked { try await database.migrate(dataKey: protector) }
                let audit = SQLAuditLog(database: database, clock: config.clock)
                let reference = SQLReferenceStore(database: database)
                let accounts = SQLAccountStore(database: database)
                let codes = try await database.sql.select().column("code").from("divisions").all()
                    .map { try $0.decode(column: "code", as: String.self) }
                let divisions = DivisionIndex(codes: Set(codes))
                let identity = IdentityService(
                    database: database, accounts: accounts, reference: reference, divisions: divisions,
                    protector: protector, audit: audit, bcryptCost: config.bcryptCost,
                    bearerLifetime: config.bearerTokenLifetime, sessionLifetime: config.sessionLifetime, clock: config.clock)
                let catalog = CatalogService(database: database, store: SQLCatalogStore(), audit: audit, clock: config.clock, logger: logger)
                let certificates = CertificateService(database: database, store: SQLCertificateStore(), protector: protector,
                                                      audit: audit, clock: config.clock)
                try await certificates.seedTypes()
                let calendars = try await CalendarBook.open(database, now: config.clock())
                // The State Council publishes a year's notice around November of the year before.
                let today = CivilDate(instant: config.clock())
                if let first = calendars.current.provisionalFrom, first <= today.year || (first == today.year + 1 && today.month >= 11) {
                    logger.warning("""
                        holiday notice for \(first) not entered: time limits in it skip only the statutory holidays \
                        until a system administrator enters it (PUT /api/v1/calendar)
                        """)
                }
                // The wallet is asked first; the shared-data library answers for everything else the government holds.
                let applications = try ApplicationService.make(
                    config, database: database, accounts: accounts, reference: reference, protector: protector, audit: audit, divisions: divisions, calendars: calendars,
                    catalog: CatalogBackedItems(catalog: catalog),
                    suppliers: [WalletSupplier(certificates: certificates), SharedDataSupplier()],
                    listeners: [CertificateIssuingListener(certificates: certificates, protector: protector)])
                var demo: [DemoData.Login]?
                if config.loadDemoData {
                    demo = try await DemoData.loadIfEmpty(database: database, identity: identity, reference: reference,
                                                          accounts: accounts, protector: protector, clock: config.clock)
                    if let report = try await CatalogTransfer(catalog: catalog).loadDemoCatalogIfEmpty() {
                        logger.info("loaded demo catalog: \(report.created) items, \(report.localImplementations) local implementations")
                    }
                    if demo != nil { try await CertificateDemo.load(certificates, accounts: accounts, protector: protector) }
                    if demo != nil { try await AppealsModule.loadDemoRoutes(database, now: config.clock()) }
                }
                // After the demo data, which loads only into a database without audit entries.
                try await catalog.loadBundledSynonymsIfNeverSet()
                return TongbanServices(configuration: config, database: database, protector: protector, audit: audit,
                                       reference: reference, accounts: accounts, identity: identity, catalog: catalog, certificates: certificates,
                                       applications: applications, calendars: calendars,
                                       demoLogins: demo)
            }
        } catch {
            await database.shutdown()
            throw error
        }
    }
}

public struct TongbanApplication: Sendable {
    public let services: TongbanServices
    public let application: Application<RouterResponder<TongbanContext>>
    /// Every route with the access rule it declared.
    public let declaredRoutes: [SecuredRouter.Declaration: Access]
    /// Every route the router actually serves, as "METHOD /path".
    public let registeredRoutes: [String]
}

/// Builds the whole application. `tongban serve` and the tests both call this.
public func buildApplication(_ config: AppConfiguration) async throws -> TongbanApplication {
    var logger = Logger(label: "tongban")
    logger.logLevel = config.logLevel
    let services = try await TongbanServices.start(config, logger: logger)
    let views = try await ViewRenderer.load()
    // HEAD is answered for every GET (RFC 9110 §9.1), by the GET handler under its access rule.
    let router = Router(context: TongbanContext.self, options: .autoGenerateHeadEndpoints)
    let audit = services.audit
    let routes = SecuredRouter(router: router) { request, context, access in
        // A refused request is a security event, recorded with who tried what.
        try? await audit.append(
            AuditRecord("security.access.denied", targetType: "route", targetID: "\(request.method) \(request.uri.path)",
                        outcome: .denied, detail: "requires \(access)"),
            actor: context.auditActor)
    }
    if services.database.engine == .postgres { router.middlewares.add(EventLoopAffinityMiddleware(database: services.database)) }
    router.middlewares.add(RequestLogMiddleware())
    // Outside the error mapping, so error pages know who is signed in; its refusals are thrown inside it.
    router.middlewares.add(AuthenticationMiddleware(identity: services.identity))
    router.middlewares.add(SecurityHeadersMiddleware())
    router.middlewares.add(ProblemMiddleware(views: views, routes: routes))
    router.middlewares.add(NulInputMiddleware())
    router.middlewares.add(CredentialCheckMiddleware())

    let identityAPI = IdentityAPI(identity: services.identity, accounts: services.accounts, reference: services.reference,
                                  protector: services.protector, audit: audit)
    SystemRoutes(database: services.database, openAPI: try OpenAPIDocument.merged(),
                 stylesheet: try BundledResources.data("static/app.css")).register(routes)
    ReferenceRoutes(store: services.reference, audit: audit, database: services.database, clock: config.clock).register(routes)
    identityAPI.register(routes)
    IdentityWeb(identity: services.identity, api: identityAPI, accounts: services.accounts, reference: services.reference,
                views: views, secureCookies: false).register(routes)
    StaffAdminWeb(identity: services.identity, accounts: services.accounts, reference: services.reference, views: views).register(routes)
    AuditRoutes(audit: audit, reference: services.reference, views: views).register(routes)
    CatalogAPI(catalog: services.catalog, transfer: CatalogTransfer(catalog: services.catalog)).register(routes)
    CatalogWeb(catalog: services.catalog, transfer: CatalogTransfer(catalog: services.catalog), views: views).register(routes)
    let certificates = CertificateAPI(services: services)
    certificates.register(routes)
    CertificateWeb(api: certificates, views: views).register(routes)
    let appeals = try AppealsModule.register(routes, services: services, views: views)
    ApplicationsAPI(service: services.applications, audit: audit).register(routes)
    CalendarAPI(book: services.calendars, audit: audit, clock: config.clock).register(routes)
    ApplicationsWeb(service: services.applications, views: views).register(routes)

    var app = Application(
        router: router,
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: "Tongban"),
        logger: logger)
    // Services stop in reverse order: the database closes only after every worker using it has stopped.
    app.addServices(DatabaseShutdownService(database: services.database))
    app.addServices(DeadlineSupervisor(applications: services.applications, interval: .seconds(60), logger: logger))
    app.addServices(CalendarRefresher(book: services.calendars, interval: .seconds(30), logger: logger))
    app.addServices(HotTopicWatcher(appeals: appeals, interval: .seconds(30), logger: logger))
    app.addServices(CertificateReminders(service: services.certificates, rateLimiter: certificates.rateLimiter, logger: logger))
    if services.database.engine == .postgres {
        // Unsealed entries are not yet tamper-evident: keep the window short.
        app.addServices(AuditSealer(audit: services.audit, interval: .milliseconds(200), logger: logger))
    }
    return TongbanApplication(
        services: services, application: app, declaredRoutes: routes.declared,
        registeredRoutes: router.routes.map { "\($0.method) \($0.path)" })
}
