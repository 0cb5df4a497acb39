import Foundation
import Logging
import SQLKit
import Synchronization
import TongbanCore

/// The in-memory search index of one server process, kept in step with the database.
/// Before each answer the catalog revision is read (one primary-key lookup); when another
/// process (or this one) changed the catalog, only the changed item codes are re-read,
/// and a synonym change rebuilds the index. Searches run on an immutable copy, so they
/// never wait for a refresh of a newer revision than the one they saw.
final class CatalogIndexCache: Sendable {
    struct Snapshot: Sendable {
        var revision: CatalogRevision
        var index: CatalogSearchIndex
        /// Index keys holding each item code: standards and local implementations.
        var keysByCode: [String: [CatalogSearchIndex.ItemKey]]
        var departmentNames: [String: String]
        var divisionNames: [String: String]
    }

    private let database: AppDatabase
    private let store: any CatalogStore
    private let logger: Logger
    private static let incrementalLimit = 500
    private let current = Mutex<Snapshot?>(nil)
    private let refresher = Refresher()

    init(database: AppDatabase, store: any CatalogStore, logger: Logger) {
        self.database = database
        self.store = store
        self.logger = logger
    }

    /// An index at least as new as the catalog revision at the time of the call.
    func snapshot() async throws -> Snapshot {
        let revision = try await store.revision(on: database.read)
        if let snapshot = current.withLock({ $0 }), snapshot.revision == revision { return snapshot }
        return try await refresher.run(atLeast: revision.revision, cache: self)
    }

    fileprivate func refreshed() async throws -> Snapshot {
        let old = current.withLock { $0 }
        let next = try await build(from: old)
        current.withLock { $0 = next }
        return next
    }

    fileprivate var latest: Snapshot? { current.withLock { $0 } }

    private func build(from old: Snapshot?) async throws -> Snapshot {
        let db = database.sql
        // The revision is read first: rows stamped later are read again next time, never missed.
        let revision = try await store.revision(on: db)
        guard var snapshot = old, snapshot.revision.synonymsRevision == revision.synonymsRevision else {
            return try await fullBuild(revision: revision)
        }
        let codes = try await store.changedCodes(since: snapshot.revision.revision, on: db)
        // A bulk import changes too much to re-read code by code (and would overflow bind limits).
        if codes.count > Self.incrementalLimit { return try await fullBuild(revision: revision) }
        if !codes.isEmpty {
            let items = try await Self.decode(store.currentVersions(codes: Array(codes), on: db))
            let locals = try await Self.decode(store.locals(codes: Array(codes), on: db))
            for code in codes {
                for key in snapshot.keysByCode.removeValue(forKey: code) ?? [] { try snapshot.index.remove(key) }
            }
            try add(items: items, locals: locals, to: &snapshot)
            logger.debug("catalog index refreshed \(codes.count) item codes to revision \(revision.revision)")
        }
        snapshot.revision = revision
        return snapshot
    }

    private func fullBuild(revision: CatalogRevision) async throws -> Snapshot {
        let db = database.sql
        let synonyms = SynonymTable(groups: try await store.synonymGroups(on: db))
        struct Named: Decodable { var code: String; var name: String }
        let departments = try await db.select().columns("code", "name").from("departments").all(decoding: Named.self)
        let divisions = try await db.select().columns("code", "name").from("divisions").all(decoding: Named.self)
        var snapshot = Snapshot(
            revision: revision, index: CatalogSearchIndex(synonyms: synonyms), keysByCode: [:],
            departmentNames: Dictionary(departments.map { ($0.code, $0.name) }, uniquingKeysWith: { a, _ in a }),
            divisionNames: Dictionary(divisions.map { ($0.code, $0.name) }, uniquingKeysWith: { a, _ in a }).merging([CatalogScope.nationalCode: "全国"]) { a, _ in a })
        let items = try await Self.decode(store.currentVersions(codes: nil, on: db))
        let locals = try await Self.decode(store.locals(codes: nil, on: db))
        try add(items: items, locals: locals, to: &snapshot)
        logger.info("catalog index built: \(snapshot.index.count) records at revision \(revision.revision)")
        return snapshot
    }

    private func add(items: [ServiceItem], locals: [LocalImplementation], to snapshot: inout Snapshot) throws {
        func insert(_ item: ServiceItem) throws {
            try snapshot.index.add(item, departmentName: snapshot.departmentNames[item.departmentCode] ?? "")
            snapshot.keysByCode[item.itemCode, default: []].append(.init(itemCode: item.itemCode, divisionCode: item.divisionCode))
        }
        for item in items { try insert(item) }
        let standards = Dictionary(grouping: items, by: \.itemCode)
        for local in locals {
            guard let standard = CatalogBundle.standard(for: local, among: standards[local.itemCode] ?? []) else { continue }
            do {
                try insert(try SameStandardRule.effectiveItem(standard: standard, local: local))
            } catch {
                // A standard republished with a shorter limit than a local promise: the
                // citizen is served by the standard until the county corrects its record.
                logger.warning("local implementation \(local.itemCode)@\(local.divisionCode) no longer fits its standard")
            }
        }
    }

    static func decode(_ rows: [CatalogVersionRow]) throws -> [ServiceItem] {
        let decoder = JSONDecoder()
        return try rows.map { try decoder.decode(ServiceItem.self, from: Data($0.itemJson.utf8)) }
    }

    static func decode(_ rows: [CatalogLocalRow]) throws -> [LocalImplementation] {
        let decoder = JSONDecoder()
        return try rows.map { try decoder.decode(LocalImplementation.self, from: Data($0.implementationJson.utf8)) }
    }

    /// One refresh at a time per process; callers arriving meanwhile share its result.
    private actor Refresher {
        private var running: Task<Snapshot, any Error>?

        func run(atLeast revision: Int64, cache: CatalogIndexCache) async throws -> Snapshot {
            while true {
                if let latest = cache.latest, latest.revision.revision >= revision { return latest }
                if let running {
                    _ = try? await running.value
                    continue
                }
                let task = Task { try await cache.refreshed() }
                running = task
                defer { running = nil }
                return try await task.value
            }
        }
    }
}
