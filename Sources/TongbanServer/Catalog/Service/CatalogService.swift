import Foundation
import Logging
import SQLKit
import TongbanCore

/// The service catalog: search, guides with their version history, and the catalog
/// administrators' edits, each stored with its audit entry in one transaction.
public struct CatalogService: Sendable {
    let database: AppDatabase
    let store: any CatalogStore
    let audit: any AuditLog
    let cache: CatalogIndexCache
    let guides = GuideCache()
    let clock: @Sendable () -> Date

    init(database: AppDatabase, store: any CatalogStore, audit: any AuditLog, clock: @escaping @Sendable () -> Date, logger: Logger) {
        self.database = database
        self.store = store
        self.audit = audit
        self.clock = clock
        cache = CatalogIndexCache(database: database, store: store, logger: logger)
    }

    private var now: Int64 { Int64(clock().timeIntervalSince1970 * 1000) }

    // MARK: - Reading

    public struct SearchAnswer: Sendable {
        public var result: CatalogSearchResult
        var snapshot: CatalogIndexCache.Snapshot
    }

    /// Checks the catalog revision, refreshes this process's index if another changed the
    /// catalog, then searches the index.
    public func search(_ query: String, filters: CatalogSearchFilters, page: Int, pageSize: Int) async throws -> SearchAnswer {
        let snapshot = try await cache.snapshot()
        return SearchAnswer(result: try snapshot.index.search(query, filters: filters, page: page, pageSize: pageSize), snapshot: snapshot)
    }

    func snapshot() async throws -> CatalogIndexCache.Snapshot { try await cache.snapshot() }

    /// A guide as a citizen of `division` reads it, or the standard when no division is given.
    struct Guide: Sendable {
        var item: ServiceItem
        /// Division of the standard record whose versions the guide follows.
        var standardDivision: String
        var currentVersion: Int
        /// Status of the current version: a guide of an older version still says "published".
        var currentStatus: ItemStatus
        var localDivision: String?
    }

    func guide(code: String, division: String?, version: Int?) async throws -> Guide {
        let db = database.sql
        let (standard, row, local) = try await resolve(code: code, division: division, on: db)
        var item: ServiceItem
        if let version, version != row.currentVersion {
            guard let stored = try await store.version(code: code, division: row.divisionCode, version: version, on: db) else {
                throw CatalogError.versionNotFound(version)
            }
            item = try CatalogIndexCache.decode([stored])[0]
        } else {
            item = standard
        }
        if let local, let effective = try? SameStandardRule.effectiveItem(standard: item, local: local) {
            item = effective
        }
        return Guide(item: item, standardDivision: row.divisionCode, currentVersion: row.currentVersion,
                     currentStatus: standard.status, localDivision: local?.divisionCode)
    }

    /// `guide(code:division:version:)` for the hot paths of other capabilities (every step of
    /// an application reads its guide): one revision read instead of three queries while the
    /// catalog stands still, and always the answer of the current revision — or of `revision`,
    /// when the caller read it a moment ago with other rows and so spares the read.
    func cachedGuide(code: String, division: String?, version: Int?, revision known: Int64? = nil) async throws -> Guide {
        let revision = if let known { known } else { try await store.revision(on: database.read).revision }
        let key = GuideCache.Key(code: code, division: division, version: version)
        if let hit = guides.guide(key, at: revision) { return hit }
        let guide = try await guide(code: code, division: division, version: version)
        guides.store(guide, for: key, at: revision)
        return guide
    }

    /// Every division where `code` takes applications: its published standards and the local
    /// implementations laid over them.
    func offeringDivisions(code: String) async throws -> [String] {
        let db = database.read
        let standards = try await store.items(code: code, on: db)
            .filter { $0.currentVersion > 0 && $0.status == ItemStatus.published.rawValue }.map(\.divisionCode)
        let locals = try await store.locals(codes: [code], on: db).map(\.divisionCode)
            .filter { local in standards.contains { CatalogScope.contains($0, local) } }
        return Set(standards + locals).sorted()
    }

    func versions(code: String, division: String?) async throws -> (rows: [CatalogVersionRow], standardDivision: String) {
        let db = database.sql
        let (_, row, _) = try await resolve(code: code, division: division, on: db)
        return (try await store.versions(code: code, division: row.divisionCode, on: db), row.divisionCode)
    }

    /// The standard serving `division` (the most local published record on its chain, or
    /// the most general one without a division) and the local implementation laid over it.
    private func resolve(code: String, division: String?, on db: any SQLDatabase) async throws
        -> (standard: ServiceItem, row: CatalogItemRow, local: LocalImplementation?) {
        if let division, !CatalogScope.isDivisionCode(division) {
            throw Problem.badRequest("行政区划代码应为6位数字", "division must be 6 digits",
                                     issues: [FieldIssue(field: "division", code: "format", zh: "行政区划代码应为6位数字", en: "division must be 6 digits")])
        }
        let rows = try await store.items(code: code, on: db).filter { $0.currentVersion > 0 }
        let standards = try CatalogIndexCache.decode(try await store.currentVersions(codes: [code], on: db))
        let rowsByDivision = Dictionary(uniqueKeysWithValues: rows.map { ($0.divisionCode, $0) })
        func pick(_ item: ServiceItem) throws -> (ServiceItem, CatalogItemRow) {
            guard let row = rowsByDivision[item.divisionCode] else { throw CatalogError.itemNotFound(code) }
            return (item, row)
        }
        guard let division else {
            guard let general = standards.min(by: { CatalogScope.chain(of: $0.divisionCode).count < CatalogScope.chain(of: $1.divisionCode).count })
            else { throw CatalogError.itemNotFound(code) }
            let (item, row) = try pick(general)
            return (item, row, nil)
        }
        let locals = try CatalogIndexCache.decode(try await store.locals(codes: [code], on: db))
        for level in CatalogScope.chain(of: division) {
            if let local = locals.first(where: { $0.divisionCode == level }),
               let standard = CatalogBundle.standard(for: local, among: standards) {
                let (item, row) = try pick(standard)
                return (item, row, local)
            }
            if let standard = standards.first(where: { $0.divisionCode == level }) {
                let (item, row) = try pick(standard)
                return (item, row, nil)
            }
        }
        throw CatalogError.itemNotFound(code)
    }

    // MARK: - Administration

    struct Record: Sendable {
        var row: CatalogItemRow
        var draft: ServiceItem?
        var current: ServiceItem?
    }

    func record(code: String, division: String) async throws -> Record {
        let db = database.sql
        guard let row = try await store.item(code: code, division: division, on: db) else { throw CatalogError.itemNotFound(code) }
        let draft = try row.draftJson.map { try JSONDecoder().decode(ServiceItem.self, from: Data($0.utf8)) }
        let current = row.currentVersion > 0
            ? try await store.version(code: code, division: division, version: row.currentVersion, on: db).map { try CatalogIndexCache.decode([$0])[0] }
            : nil
        return Record(row: row, draft: draft, current: current)
    }

    /// Every version of one record, newest first (drafts have none).
    func versionRows(code: String, division: String) async throws -> [CatalogVersionRow] {
        try await store.versions(code: code, division: division, on: database.sql)
    }

    func adminList(status: ItemStatus?, query: String?, paging: Paging) async throws -> (items: [CatalogItemRow], total: Int) {
        try await store.adminList(status: status?.rawValue, query: query, paging: paging, on: database.sql)
    }

    /// Creates a draft; nothing is visible to citizens before it is published.
    func create(_ input: ServiceItem, by principal: Principal?, actor: AuditActor) async throws -> Record {
        var draft = input
        draft.status = .draft
        draft.version = 1
        let item = draft
        try CatalogReach.check(principal, division: item.divisionCode)
        try await checkPublishable(item)
        let db = database.sql
        let existingRow = try await store.item(code: item.itemCode, division: item.divisionCode, on: db)
        let locals = try await store.locals(codes: [item.itemCode], on: db)
        if existingRow != nil || locals.contains(where: { $0.divisionCode == item.divisionCode }) {
            throw CatalogError.exists(item.itemCode, item.divisionCode)
        }
        let json = try item.jsonText()
        let time = now
        let row = try await database.transaction { db in
            let revision = try await store.bumpRevision(synonyms: false, on: db)
            let row = CatalogItemRow(
                itemCode: item.itemCode, divisionCode: item.divisionCode, departmentCode: item.departmentCode, name: item.name,
                status: ItemStatus.draft.rawValue, currentVersion: 0, draftJson: json, rowVersion: 1, revision: revision,
                createdAt: time, updatedAt: time)
            try await store.insertItems([row], on: db)
            try await audit.append(AuditRecord("catalog.item.create", targetType: "serviceItem", targetID: Self.target(item)),
                                   actor: actor, on: db)
            return row
        }
        return Record(row: row, draft: item, current: nil)
    }

    /// Replaces the draft of an item; the published version stays what citizens see.
    func saveDraft(code: String, division: String, _ input: ServiceItem, expectedRowVersion: Int?,
                   by principal: Principal?, actor: AuditActor) async throws -> Record {
        try CatalogReach.check(principal, division: division)
        let existing = try await record(code: code, division: division)
        var issues = IssueCollector()
        if input.itemCode != code {
            issues.add(FieldIssue(field: "itemCode", code: "immutable", zh: "事项编码不能修改", en: "the item code cannot change"))
        }
        if input.divisionCode != division {
            issues.add(FieldIssue(field: "divisionCode", code: "immutable", zh: "实施区划不能修改", en: "the division cannot change"))
        }
        try issues.throwIfAny()
        var draft = input
        draft.status = .draft
        draft.version = existing.row.currentVersion + 1
        let item = draft
        try await checkPublishable(item)
        let expected = expectedRowVersion ?? existing.row.rowVersion
        var row = existing.row
        row.draftJson = try item.jsonText()
        row.name = existing.row.currentVersion == 0 ? item.name : row.name
        row.departmentCode = existing.row.currentVersion == 0 ? item.departmentCode : row.departmentCode
        row.rowVersion = expected + 1
        row.updatedAt = now
        let stored = try await database.transaction { [row] db in
            var row = row
            row.revision = try await store.bumpRevision(synonyms: false, on: db)
            guard try await store.updateItem(row, expectedRowVersion: expected, on: db) else {
                throw CatalogError.staleEdit(currentRowVersion: existing.row.rowVersion)
            }
            try await audit.append(AuditRecord("catalog.item.edit", targetType: "serviceItem", targetID: Self.target(item)),
                                   actor: actor, on: db)
            return row
        }
        return Record(row: stored, draft: item, current: existing.current)
    }

    /// Publishes the draft as the next immutable version.
    func publish(code: String, division: String, by principal: Principal?, actor: AuditActor) async throws -> Record {
        try CatalogReach.check(principal, division: division)
        let existing = try await record(code: code, division: division)
        guard var item = existing.draft else { throw CatalogError.nothingToPublish }
        item.status = .published
        item.version = existing.row.currentVersion + 1
        try await checkPublishable(item)
        return try await storeVersion(item, existing: existing.row, action: "catalog.item.publish", actor: actor)
    }

    /// Retires an item: a last version with status retired, so its history stays readable.
    func retire(code: String, division: String, by principal: Principal?, actor: AuditActor) async throws -> Record {
        try CatalogReach.check(principal, division: division)
        let existing = try await record(code: code, division: division)
        guard var item = existing.current, item.status == .published else { throw CatalogError.notPublished }
        item.status = .retired
        item.version = existing.row.currentVersion + 1
        return try await storeVersion(item, existing: existing.row, action: "catalog.item.retire", actor: actor)
    }

    private func storeVersion(_ item: ServiceItem, existing: CatalogItemRow, action: String, actor: AuditActor) async throws -> Record {
        let json = try item.jsonText()
        let time = now
        let stored = try await database.transaction { db in
            var row = existing
            row.revision = try await store.bumpRevision(synonyms: false, on: db)
            row.currentVersion = item.version
            row.status = item.status.rawValue
            row.name = item.name
            row.departmentCode = item.departmentCode
            row.draftJson = nil
            row.rowVersion = existing.rowVersion + 1
            row.updatedAt = time
            guard try await store.updateItem(row, expectedRowVersion: existing.rowVersion, on: db) else {
                throw CatalogError.staleEdit(currentRowVersion: existing.rowVersion)
            }
            try await store.insertVersions([CatalogVersionRow(
                itemCode: item.itemCode, divisionCode: item.divisionCode, version: item.version, status: item.status.rawValue,
                itemJson: json, publishedAt: time, publishedBy: actor.accountID)], on: db)
            try await audit.append(AuditRecord(action, targetType: "serviceItem", targetID: Self.target(item), detail: "version \(item.version)"),
                                   actor: actor, on: db)
            return row
        }
        return Record(row: stored, draft: nil, current: item)
    }

    /// Sets what a city or county records for a standard it carries out. `fields` are laid
    /// over the standard; any change outside the local fields is refused, naming the field.
    func setLocal(code: String, division: String, fields: JSONValue, by principal: Principal?, actor: AuditActor) async throws -> LocalImplementation {
        try CatalogReach.check(principal, division: division)
        guard case .object(var overlay) = fields else {
            throw Problem.badRequest("请求体应为 JSON 对象", "body must be a JSON object")
        }
        let db = database.sql
        let standards = try CatalogIndexCache.decode(try await store.currentVersions(codes: [code], on: db))
            .filter { $0.status == .published }
        if standards.contains(where: { $0.divisionCode == division }) { throw CatalogError.exists(code, division) }
        let probe = LocalImplementation(itemCode: code, divisionCode: division, departmentCode: "", location: .init(address: "", hours: "", phone: ""))
        guard let standard = CatalogBundle.standard(for: probe, among: standards) else {
            throw ValidationFailure(FieldIssue(field: "itemCode", code: "noStandard", zh: "区划 \(division) 的上级没有已发布的事项 \(code)",
                                               en: "no published standard \(code) above division \(division)"))
        }
        guard case .object(var merged) = try JSONDecoder().decode(JSONValue.self, from: CatalogJSON.encoder.encode(standard)) else {
            throw Problem(.internalServerError, code: "catalog-json", zh: "事项数据损坏", en: "stored item is not an object")
        }
        overlay["divisionCode"] = .string(division)
        merged.merge(overlay) { _, new in new }
        let localItem = try JSONBody.decodeStrict(ServiceItem.self, from: CatalogJSON.encoder.encode(JSONValue.object(merged)))
        try SameStandardRule.check(localItem: localItem, against: standard)
        try await checkDepartment(localItem.departmentCode)
        let local = SameStandardRule.implementation(of: localItem, standard: standard)
        let json = String(decoding: try CatalogJSON.encoder.encode(local), as: UTF8.self)
        let time = now
        try await database.transaction { db in
            let revision = try await store.bumpRevision(synonyms: false, on: db)
            try await store.upsertLocal(CatalogLocalRow(itemCode: code, divisionCode: division, departmentCode: local.departmentCode,
                                                        implementationJson: json, revision: revision, updatedAt: time), on: db)
            try await audit.append(AuditRecord("catalog.local.set", targetType: "serviceItem", targetID: "\(code)@\(division)"),
                                   actor: actor, on: db)
        }
        return local
    }

    func synonyms() async throws -> SynonymTable {
        SynonymTable(groups: try await store.synonymGroups(on: database.sql))
    }

    func setSynonyms(_ table: SynonymTable, actor: AuditActor) async throws {
        try table.validate()
        try await database.transaction { db in
            _ = try await store.bumpRevision(synonyms: true, on: db)
            try await store.replaceSynonyms(table.groups, on: db)
            try await audit.append(AuditRecord("catalog.synonyms.update", targetType: "synonyms", detail: "\(table.groups.count) groups"),
                                   actor: actor, on: db)
        }
    }

    /// Product reference data: the bundled synonym groups, on a catalog whose synonyms
    /// were never set (an administrator who empties the list keeps it empty).
    func loadBundledSynonymsIfNeverSet() async throws {
        let state = try await store.revision(on: database.sql)
        guard state.synonymsRevision == 0 else { return }
        let table = try JSONDecoder().decode(SynonymTable.self, from: BundledResources.data("catalog/synonyms.json"))
        try await setSynonyms(table, actor: .system("catalog"))
    }

    // MARK: - Checks

    /// Validation of the item itself, its department, and the 同标准办理 rule against a
    /// published standard of the same code above its division.
    private func checkPublishable(_ item: ServiceItem) async throws {
        var issues = IssueCollector()
        issues.check { try item.validate() }
        let db = database.sql
        let standards = try CatalogIndexCache.decode(try await store.currentVersions(codes: [item.itemCode], on: db))
        issues.check { try checkSameStandard(item, standards: standards) }
        if !item.departmentCode.isEmpty, try await !departmentExists(item.departmentCode) {
            issues.add(Self.unknownDepartment)
        }
        try issues.throwIfAny()
    }

    private func checkSameStandard(_ item: ServiceItem, standards: [ServiceItem]) throws {
        let probe = LocalImplementation(itemCode: item.itemCode, divisionCode: item.divisionCode, departmentCode: item.departmentCode, location: item.location)
        if let standard = CatalogBundle.standard(for: probe, among: standards.filter { $0.status == .published }) {
            try SameStandardRule.check(localItem: item, against: standard)
        }
    }

    private func checkDepartment(_ code: String) async throws {
        if try await !departmentExists(code) { throw ValidationFailure(Self.unknownDepartment) }
    }

    func departmentExists(_ code: String) async throws -> Bool {
        try await database.sql.select().column("code").from("departments").where("code", .equal, code).first() != nil
    }

    static let unknownDepartment = FieldIssue(field: "departmentCode", code: "unknown", zh: "实施部门不存在", en: "unknown department")

    static func target(_ item: ServiceItem) -> String { "\(item.itemCode)@\(item.divisionCode)" }
}
