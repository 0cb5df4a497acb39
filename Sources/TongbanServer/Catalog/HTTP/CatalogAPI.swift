import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TongbanCore

/// The search parameters shared by the API and the pages.
struct CatalogQuery: Sendable {
    var text: String
    var filters: CatalogSearchFilters
    var paging: Paging

    init(_ request: Request) throws {
        var issues = IssueCollector()
        text = request.query("q") ?? ""
        filters = CatalogSearchFilters()
        func list(_ name: String) -> [String] {
            (request.query(name) ?? "").split(separator: ",").map { $0.trimmed() }.filter { !$0.isEmpty }
        }
        func choices<T: RawRepresentable & Hashable>(_ name: String, _ type: T.Type) -> Set<T> where T.RawValue == String {
            var out: Set<T> = []
            for raw in list(name) {
                if let value = T(rawValue: raw) { out.insert(value) } else {
                    issues.add(FieldIssue(field: name, code: "invalid", zh: "\(name) 的值「\(raw)」无效", en: "\(name) has an invalid value \(raw)"))
                }
            }
            return out
        }
        if let division = request.query("division") {
            if CatalogScope.isDivisionCode(division) { filters.citizenDivision = division } else {
                issues.add(FieldIssue(field: "division", code: "format", zh: "行政区划代码应为6位数字", en: "division must be 6 digits"))
            }
        }
        filters.departmentCodes = Set(list("department"))
        filters.kinds = choices("kind", ItemKind.self)
        filters.lifeEvents = choices("lifeEvent", LifeEvent.self)
        if let applicant = request.query("applicant") {
            if let type = ApplicantType(rawValue: applicant) { filters.applicantType = type } else {
                issues.add(FieldIssue(field: "applicant", code: "invalid", zh: "applicant 应为 person、organization 或 both", en: "applicant must be person, organization or both"))
            }
        }
        if let visits = request.query("visits") {
            if let v = Int(visits), v >= 0 { filters.maxVisits = v } else {
                issues.add(FieldIssue(field: "visits", code: "range", zh: "visits 应为不小于 0 的整数", en: "visits must be an integer >= 0"))
            }
        }
        if let online = request.query("online") {
            switch online {
            case "true": filters.onlineFull = true
            case "false": filters.onlineFull = false
            default: issues.add(FieldIssue(field: "online", code: "invalid", zh: "online 应为 true 或 false", en: "online must be true or false"))
            }
        }
        do {
            paging = try Paging(request, defaultSize: 20, maxSize: CatalogSearchIndex.Tuning.maxPageSize)
        } catch let problem as Problem {
            issues.add(contentsOf: problem.issues)
            paging = Paging()
        }
        if !issues.issues.isEmpty { throw Problem.badRequest("查询参数有误", "invalid query parameters", issues: issues.issues) }
    }
}

/// What the API and the pages show of one search hit.
struct ServiceSummary: Encodable, Sendable {
    var code: String
    var name: String
    var kind: String
    var kindZh: String
    var department: String
    var departmentName: String
    var division: String
    var divisionName: String
    var applicantType: String
    var visits: Int
    var online: Bool
    var promisedLimitDays: Int
    var lifeEvents: [String]
    var title: String
    var snippet: String?
    var score: Double
}

struct FacetView: Encodable, Sendable {
    var value: String
    var label: String
    var count: Int
}

struct SearchEnvelope: Encodable, Sendable {
    var items: [ServiceSummary]
    var total: Int
    var page: Int
    var pageSize: Int
    var facets: [String: [FacetView]]
}

extension CatalogService.SearchAnswer {
    var envelope: SearchEnvelope {
        let s = snapshot
        let items = result.hits.compactMap { hit -> ServiceSummary? in
            guard let item = s.index.item(.init(itemCode: hit.itemCode, divisionCode: hit.divisionCode)) else { return nil }
            return ServiceSummary(
                code: item.itemCode, name: item.name, kind: item.kind.rawValue, kindZh: item.kind.zh,
                department: item.departmentCode, departmentName: s.departmentNames[item.departmentCode] ?? item.departmentCode,
                division: item.divisionCode, divisionName: s.divisionNames[item.divisionCode] ?? item.divisionCode,
                applicantType: item.applicantType.rawValue, visits: item.visits, online: item.onlineFull,
                promisedLimitDays: item.promisedLimitDays, lifeEvents: item.lifeEvents.map(\.rawValue),
                title: hit.title, snippet: hit.snippet, score: hit.score)
        }
        let f = result.facets
        func views(_ counts: [FacetCount], _ label: (String) -> String) -> [FacetView] {
            counts.map { FacetView(value: $0.value, label: label($0.value), count: $0.count) }
        }
        return SearchEnvelope(
            items: items, total: result.total, page: result.page, pageSize: result.pageSize,
            facets: [
                "kind": views(f.kind) { ItemKind(rawValue: $0)?.zh ?? $0 },
                "department": views(f.department) { s.departmentNames[$0] ?? $0 },
                "division": views(f.division) { s.divisionNames[$0] ?? $0 },
                "lifeEvent": views(f.lifeEvent) { LifeEvent(rawValue: $0)?.zh ?? $0 },
                "visits": views(f.visits) { $0 == "0" ? "零跑动" : "跑动 \($0) 次" },
                "online": views(f.onlineFull) { $0 == "true" ? "全程网办" : "需到现场" },
            ])
    }
}

/// The whole guide: every field of the item plus the names a reader needs.
struct GuideView: Encodable, Sendable {
    var item: ServiceItem
    var departmentName: String
    var divisionName: String
    var standardDivisionCode: String
    var currentVersion: Int
    var localDivisionCode: String?

    private enum Keys: String, CodingKey { case departmentName, divisionName, kindZh, standardDivisionCode, currentVersion, localDivisionCode }

    func encode(to encoder: any Encoder) throws {
        try item.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(departmentName, forKey: .departmentName)
        try c.encode(divisionName, forKey: .divisionName)
        try c.encode(item.kind.zh, forKey: .kindZh)
        try c.encode(standardDivisionCode, forKey: .standardDivisionCode)
        try c.encode(currentVersion, forKey: .currentVersion)
        try c.encodeIfPresent(localDivisionCode, forKey: .localDivisionCode)
    }
}

struct VersionView: Encodable, Sendable {
    var version: Int
    var status: String
    var name: String
    var publishedAt: Date
    var publishedBy: String?
}

struct AdminRecordView: Encodable, Sendable {
    var itemCode: String
    var divisionCode: String
    var departmentCode: String
    var name: String
    var status: String
    var currentVersion: Int
    var rowVersion: Int
    var hasDraft: Bool
    var draft: ServiceItem?
    var current: ServiceItem?
    var updatedAt: Date

    init(_ row: CatalogItemRow, draft: ServiceItem? = nil, current: ServiceItem? = nil) {
        itemCode = row.itemCode; divisionCode = row.divisionCode; departmentCode = row.departmentCode; name = row.name
        status = row.status; currentVersion = row.currentVersion; rowVersion = row.rowVersion; hasDraft = row.draftJson != nil
        self.draft = draft; self.current = current
        updatedAt = Date(timeIntervalSince1970: Double(row.updatedAt) / 1000)
    }

    init(_ record: CatalogService.Record) {
        self.init(record.row, draft: record.draft, current: record.current)
    }
}

struct CatalogAPI {
    let catalog: CatalogService
    let transfer: CatalogTransfer
    static let admins: Access = .roles([.catalogAdmin, .systemAdmin])

    func guideView(_ guide: CatalogService.Guide) async throws -> GuideView {
        let names = try await catalog.snapshot()
        return GuideView(
            item: guide.item, departmentName: names.departmentNames[guide.item.departmentCode] ?? guide.item.departmentCode,
            divisionName: names.divisionNames[guide.item.divisionCode] ?? guide.item.divisionCode,
            standardDivisionCode: guide.standardDivision, currentVersion: guide.currentVersion, localDivisionCode: guide.localDivision)
    }

    static func version(_ request: Request) throws -> Int? {
        guard let raw = request.query("version") else { return nil }
        guard let v = Int(raw), v >= 1 else {
            throw Problem.badRequest("version 应为正整数", "version must be a positive integer",
                                     issues: [FieldIssue(field: "version", code: "range", zh: "version 应为正整数", en: "version must be a positive integer")])
        }
        return v
    }

    static func format(_ request: Request, default fallback: CatalogTransfer.Format) throws -> CatalogTransfer.Format {
        guard let raw = request.query("format") else {
            return request.headers[.contentType]?.hasPrefix("text/csv") == true ? .csv : fallback
        }
        guard let format = CatalogTransfer.Format(rawValue: raw) else {
            throw Problem.badRequest("format 应为 json 或 csv", "format must be json or csv",
                                     issues: [FieldIssue(field: "format", code: "invalid", zh: "format 应为 json 或 csv", en: "format must be json or csv")])
        }
        return format
    }

    func register(_ routes: SecuredRouter) {
        routes.get("/api/v1/services", access: .anyone) { request, _ in
            let query = try CatalogQuery(request)
            let answer = try await catalog.search(query.text, filters: query.filters, page: query.paging.page, pageSize: query.paging.pageSize)
            return try JSONOut.response(answer.envelope)
        }
        routes.get("/api/v1/services/{code}", access: .anyone) { request, context in
            let guide = try await catalog.guide(code: try context.parameters.require("code"), division: request.query("division"),
                                                version: try Self.version(request))
            return try JSONOut.response(try await guideView(guide))
        }
        routes.get("/api/v1/services/{code}/versions", access: .anyone) { request, context in
            let (rows, _) = try await catalog.versions(code: try context.parameters.require("code"), division: request.query("division"))
            let paging = try Paging(request, defaultSize: 50, maxSize: 200)
            let views = rows.map {
                VersionView(version: $0.version, status: $0.status, name: (try? CatalogIndexCache.decode([$0]).first?.name) ?? "",
                            publishedAt: Date(timeIntervalSince1970: Double($0.publishedAt) / 1000), publishedBy: $0.publishedBy)
            }
            return try JSONOut.response(Page(items: Array(views.dropFirst(paging.offset).prefix(paging.pageSize)), total: views.count,
                                             page: paging.page, pageSize: paging.pageSize))
        }

        routes.get("/api/v1/catalog/items", access: Self.admins) { request, _ in
            let paging = try Paging(request, defaultSize: 50, maxSize: 200)
            var status: ItemStatus?
            if let raw = request.query("status") {
                guard let parsed = ItemStatus(rawValue: raw) else {
                    throw Problem.badRequest("status 无效", "invalid status",
                                             issues: [FieldIssue(field: "status", code: "invalid", zh: "status 应为 draft、published 或 retired", en: "status must be draft, published or retired")])
                }
                status = parsed
            }
            let (rows, total) = try await catalog.adminList(status: status, query: request.query("q"), paging: paging)
            return try JSONOut.response(Page(items: rows.map { AdminRecordView($0) }, total: total, page: paging.page, pageSize: paging.pageSize))
        }
        routes.post("/api/v1/catalog/items", access: Self.admins) { request, context in
            let item = try await JSONBody.decodeStrict(ServiceItem.self, from: request)
            let record = try await catalog.create(item, by: context.principal, actor: context.auditActor)
            return try JSONOut.response(AdminRecordView(record), status: .created,
                                        headers: [.location: "/api/v1/catalog/items/\(item.itemCode)/\(item.divisionCode)"])
        }
        routes.get("/api/v1/catalog/items/{code}/{division}", access: Self.admins) { _, context in
            try JSONOut.response(AdminRecordView(try await catalog.record(
                code: try context.parameters.require("code"), division: try context.parameters.require("division"))))
        }
        routes.put("/api/v1/catalog/items/{code}/{division}", access: Self.admins) { request, context in
            let item = try await JSONBody.decodeStrict(ServiceItem.self, from: request)
            let expected = request.headers[.ifMatch].flatMap { Int($0.trimmingCharacters(in: CharacterSet(charactersIn: "\" W/"))) }
            let record = try await catalog.saveDraft(
                code: try context.parameters.require("code"), division: try context.parameters.require("division"), item,
                expectedRowVersion: expected, by: context.principal, actor: context.auditActor)
            return try JSONOut.response(AdminRecordView(record))
        }
        routes.post("/api/v1/catalog/items/{code}/{division}/publish", access: Self.admins) { _, context in
            try JSONOut.response(AdminRecordView(try await catalog.publish(
                code: try context.parameters.require("code"), division: try context.parameters.require("division"),
                by: context.principal, actor: context.auditActor)))
        }
        routes.post("/api/v1/catalog/items/{code}/{division}/retire", access: Self.admins) { _, context in
            try JSONOut.response(AdminRecordView(try await catalog.retire(
                code: try context.parameters.require("code"), division: try context.parameters.require("division"),
                by: context.principal, actor: context.auditActor)))
        }
        routes.put("/api/v1/catalog/local/{code}/{division}", access: Self.admins) { request, context in
            let fields = try await JSONBody.decode(JSONValue.self, from: request)
            let local = try await catalog.setLocal(
                code: try context.parameters.require("code"), division: try context.parameters.require("division"),
                fields: fields, by: context.principal, actor: context.auditActor)
            return try JSONOut.response(local)
        }
        routes.get("/api/v1/catalog/synonyms", access: .anyone) { _, _ in
            try JSONOut.response(try await catalog.synonyms())
        }
        routes.put("/api/v1/catalog/synonyms", access: Self.admins) { request, context in
            let table = try await JSONBody.decodeStrict(SynonymTable.self, from: request)
            try await catalog.setSynonyms(table, actor: context.auditActor)
            return try JSONOut.response(table)
        }
        routes.get("/api/v1/catalog/export", access: Self.admins) { request, _ in
            let format = try Self.format(request, default: .json)
            let data = try await transfer.export(format)
            return Response(status: .ok, headers: [
                .contentType: format == .csv ? "text/csv; charset=utf-8" : "application/json; charset=utf-8",
                .contentDisposition: "attachment; filename=\"catalog.\(format.rawValue)\"",
            ], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        routes.post("/api/v1/catalog/import", access: Self.admins) { request, context in
            let format = try Self.format(request, default: .json)
            var request = request
            let buffer: ByteBuffer
            do {
                buffer = try await request.collectBody(upTo: JSONBody.limit)
            } catch {
                throw Problem.tooLarge
            }
            let report = try await transfer.importFile(Data(buffer.readableBytesView), format: format, by: context.principal, actor: context.auditActor)
            return try JSONOut.response(report)
        }
    }
}
