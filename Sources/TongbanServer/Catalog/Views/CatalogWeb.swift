import Foundation
import Hummingbird
import TongbanCore

/// The citizen's catalog pages (search, browse, printable guide) and the catalog
/// administrators' pages; both call the same service as the API.
struct CatalogWeb {
    let catalog: CatalogService
    let transfer: CatalogTransfer
    let views: ViewRenderer

    // MARK: - Page data (mustache reads stored properties only, hence explicit flags)

    struct Link: Sendable {
        var label: String
        var href: String
        var count: Int?
        var active = false
    }

    struct FacetGroup: Sendable {
        var title: String
        var links: [Link]
    }

    struct ResultRow: Sendable {
        var href: String
        var code: String
        var title: String
        var snippet: String?
        var kind: String
        var department: String
        var division: String
        var zeroVisits: Bool
        var oneVisit: Bool
        var online: Bool
    }

    struct SearchPage: Sendable {
        var q: String
        var division: String
        var browsing: Bool
        var personEvents: [Link]
        var businessEvents: [Link]
        var departments: [Link]
        var facets: [FacetGroup]
        var results: [ResultRow]
        var hasResults: Bool
        var total: Int
        var previous: String?
        var next: String?
        var pageLabel: String
        var isCatalogAdmin: Bool
    }

    static let personEvents: [LifeEvent] = [.birth, .schooling, .employment, .marriageChildbirth, .housing, .socialSecurity, .retirement, .afterDeath]
    static let businessEvents: [LifeEvent] = [.businessStartup, .businessChange, .businessDeregistration, .investmentConstruction]

    /// `/services` with the current query changed by `changes` (nil removes a parameter);
    /// any change of filter goes back to page 1.
    static func link(_ request: Request, _ changes: [String: String?]) -> String {
        var params: [(String, String)] = []
        for (key, value) in request.queryFields where !value.isEmpty && changes.index(forKey: key) == nil && key != "page" {
            params.append((key, value))
        }
        for (key, value) in changes { if let value { params.append((key, value)) } }
        return ViewRenderer.link("/services", query: params)
    }

    func searchPage(_ request: Request, context: TongbanContext) async throws -> SearchPage {
        let query = try CatalogQuery(request)
        let answer = try await catalog.search(query.text, filters: query.filters, page: query.paging.page, pageSize: query.paging.pageSize)
        let envelope = answer.envelope
        let filtering = ["kind", "department", "lifeEvent", "visits", "online", "applicant", "division"].contains { request.query($0) != nil }
        func facet(_ title: String, _ name: String) -> FacetGroup {
            let selected = request.query(name)
            return FacetGroup(title: title, links: (envelope.facets[name] ?? []).map { f in
                Link(label: f.label, href: Self.link(request, [name: selected == f.value ? nil : f.value]), count: f.count, active: selected == f.value)
            })
        }
        let departments = answer.snapshot.departmentNames.sorted { $0.key < $1.key }.map {
            Link(label: $0.value, href: Self.link(request, ["department": $0.key, "q": nil]))
        }
        let events = { (list: [LifeEvent]) in list.map { Link(label: $0.zh, href: Self.link(request, ["lifeEvent": $0.rawValue, "q": nil]), active: request.query("lifeEvent") == $0.rawValue) } }
        let page = query.paging.page, pages = max(1, (envelope.total + query.paging.pageSize - 1) / query.paging.pageSize)
        return SearchPage(
            q: query.text, division: request.query("division") ?? "",
            browsing: query.text.isEmpty && !filtering,
            personEvents: events(Self.personEvents), businessEvents: events(Self.businessEvents), departments: departments,
            facets: [facet("事项类型", "kind"), facet("主题", "lifeEvent"), facet("跑动次数", "visits"), facet("办理方式", "online"),
                     facet("实施部门", "department"), facet("区划", "division")].filter { !$0.links.isEmpty },
            results: envelope.items.map { item in
                let division = request.query("division").map { "?division=\($0)" } ?? ""
                return ResultRow(href: "/services/\(item.code)\(division)", code: item.code, title: item.title, snippet: item.snippet,
                                 kind: item.kindZh, department: item.departmentName, division: item.divisionName,
                                 zeroVisits: item.visits == 0, oneVisit: item.visits == 1, online: item.online)
            },
            hasResults: !envelope.items.isEmpty, total: envelope.total,
            previous: page > 1 ? ViewRenderer.pageLink(request, page - 1) : nil,
            next: page < pages ? ViewRenderer.pageLink(request, page + 1) : nil,
            pageLabel: "第 \(page) / \(pages) 页",
            isCatalogAdmin: context.principal?.hasAny([.catalogAdmin, .systemAdmin]) ?? false)
    }


    struct GuidePage: Sendable {
        var code: String
        var name: String
        var kind: String
        var department: String
        var division: String
        var applicant: String
        var statusNote: String?
        var historic: String?
        var zeroVisits: Bool
        var oneVisit: Bool
        var visits: Int
        var online: Bool
        var applyHref: String
        var legalBasis: [String]
        var conditions: [String]
        var hasConditions: Bool
        var materials: [MaterialRow]
        var steps: [String]
        var statutoryLimit: String
        var promisedLimit: String
        var fee: String
        var address: String
        var hours: String
        var phone: String
        var lifeEvents: String
        var versions: [VersionRow]
    }

    struct MaterialRow: Sendable {
        var name: String
        var form: String
        var copies: Int
        var necessity: String
        var notes: String?
        var supplied: Bool
        var sample: String?
    }

    struct VersionRow: Sendable {
        var version: Int
        var status: String
        var date: String
        var href: String
        var current: Bool
    }

    static func days(_ n: Int) -> String { n == 0 ? "即办" : "\(n) 个工作日" }

    func guidePage(code: String, request: Request) async throws -> GuidePage {
        let division = request.query("division")
        let version = try CatalogAPI.version(request)
        let guide = try await catalog.guide(code: code, division: division, version: version)
        let names = try await catalog.snapshot()
        let (rows, _) = try await catalog.versions(code: code, division: division)
        let item = guide.item
        let divisionQuery = division.map { "&division=\($0)" } ?? ""
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "zh_CN")
        formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return GuidePage(
            code: item.itemCode, name: item.name, kind: item.kind.zh,
            department: names.departmentNames[item.departmentCode] ?? item.departmentCode,
            division: names.divisionNames[item.divisionCode] ?? item.divisionCode,
            applicant: item.applicantType.zh,
            statusNote: item.status == .retired ? "本事项已停止办理，以下为停止前的办事指南。" : nil,
            historic: version.flatMap { $0 == guide.currentVersion ? nil : "您正在查看第 \($0) 版（历史版本），现行为第 \(guide.currentVersion) 版。" },
            zeroVisits: item.visits == 0, oneVisit: item.visits == 1, visits: item.visits,
            online: item.onlineFull && item.status == .published,
            // A guide read for a division (a local implementation's) applies there; the plain guide
            // leaves the division to the filing rule, which files a case where its applicant belongs.
            applyHref: "/apply/\(item.itemCode)" + (division == nil ? "" : "?division=\(item.divisionCode)"),
            legalBasis: item.legalBasis.map { "\($0.law)\($0.article)" },
            conditions: item.conditions, hasConditions: !item.conditions.isEmpty,
            materials: item.materials.map { m in
                var necessity: String
                switch m.required {
                case .required: necessity = "必须"
                case .optional: necessity = "非必须"
                case .conditional(let condition): necessity = "情形：\(condition)"
                }
                return MaterialRow(name: m.name, form: m.form.zh, copies: m.copies, necessity: necessity,
                                   notes: m.notes.isEmpty ? nil : m.notes, supplied: m.source.isGovernmentSupplied, sample: m.sampleURL)
            },
            steps: item.steps,
            statutoryLimit: Self.days(item.statutoryLimitDays), promisedLimit: Self.days(item.promisedLimitDays),
            fee: Self.fee(item.fee),
            address: item.location.address, hours: item.location.hours, phone: item.location.phone,
            lifeEvents: item.lifeEvents.map(\.zh).joined(separator: "、"),
            versions: rows.map { row in
                VersionRow(version: row.version, status: ItemStatus(rawValue: row.status).map(Self.statusZh) ?? row.status,
                           date: formatter.string(from: Date(timeIntervalSince1970: Double(row.publishedAt) / 1000)),
                           href: "/services/\(code)?version=\(row.version)\(divisionQuery)", current: row.version == guide.currentVersion)
            })
    }

    static func fee(_ fee: Fee) -> String {
        switch fee {
        case .free: "不收费"
        case .charged(let fen, let basis): "\(fen / 100).\(String(format: "%02d", fen % 100)) 元（\(basis)）"
        }
    }

    static func statusZh(_ status: ItemStatus) -> String {
        switch status {
        case .draft: "草稿"
        case .published: "已发布"
        case .retired: "已停用"
        }
    }

    // MARK: - Administration pages

    struct AdminPage: Sendable {
        var rows: [[String: String]]
        var total: Int
        var q: String
        var json: String
        var errors: [[String: String]]
        var hasErrors: Bool
        var notice: String?
    }

    struct EditPage: Sendable {
        var code: String
        var division: String
        var name: String
        var status: String
        var currentVersion: Int
        var rowVersion: Int
        var hasDraft: Bool
        var canPublish: Bool
        var canRetire: Bool
        var json: String
        var errors: [[String: String]]
        var hasErrors: Bool
        var notice: String?
        var versions: [[String: String]]
        var publicHref: String?
    }

    struct SynonymPage: Sendable {
        var text: String
        var errors: [[String: String]]
        var hasErrors: Bool
        var notice: String?
    }

    static let itemSkeleton: String = {
        let sample = ServiceItem(
            itemCode: "330000-XK-9001", name: "", kind: .licensing, legalBasis: [LegalBasis(law: "", article: "")],
            departmentCode: "", divisionCode: "330000", applicantType: .person, conditions: [], materials: [],
            steps: ["网上申请", "受理", "审查", "决定", "送达"], statutoryLimitDays: 20, promisedLimitDays: 5, fee: .free,
            visits: 0, onlineFull: true, location: ServiceLocation(address: "", hours: "", phone: ""), lifeEvents: [], tags: [],
            status: .draft, version: 1)
        return String(decoding: (try? CatalogJSON.pretty.encode(sample)) ?? Data(), as: UTF8.self)
    }()

    static func errors(_ error: any Error) throws -> [[String: String]] {
        guard let problem = Problem.from(error), problem.status.code < 500 else { throw error }
        return IdentityWeb.FormErrors(problem).errors
    }

    func adminPage(_ request: Request, json: String = CatalogWeb.itemSkeleton, errors: [[String: String]] = []) async throws -> AdminPage {
        let paging = try Paging(request, defaultSize: 200, maxSize: 500)
        let q = request.query("q")
        let (rows, total) = try await catalog.adminList(status: nil, query: q, paging: paging)
        return AdminPage(
            rows: rows.map { r in
                ["code": r.itemCode, "division": r.divisionCode, "name": r.name,
                 "status": ItemStatus(rawValue: r.status).map(Self.statusZh) ?? r.status, "version": String(r.currentVersion),
                 "draft": r.draftJson == nil ? "" : "有草稿", "href": "/admin/catalog/items/\(r.itemCode)/\(r.divisionCode)"]
            },
            total: total, q: q ?? "", json: json, errors: errors, hasErrors: !errors.isEmpty, notice: nil)
    }

    func editPage(code: String, division: String, json: String? = nil, errors: [[String: String]] = [], notice: String? = nil) async throws -> EditPage {
        let record = try await catalog.record(code: code, division: division)
        let rows = try await catalog.versionRows(code: code, division: division)
        let shown = record.draft ?? record.current
        return EditPage(
            code: code, division: division, name: record.row.name,
            status: ItemStatus(rawValue: record.row.status).map(Self.statusZh) ?? record.row.status,
            currentVersion: record.row.currentVersion, rowVersion: record.row.rowVersion,
            hasDraft: record.draft != nil, canPublish: record.draft != nil, canRetire: record.current?.status == .published,
            json: json ?? shown.map { String(decoding: (try? CatalogJSON.pretty.encode($0)) ?? Data(), as: UTF8.self) } ?? "",
            errors: errors, hasErrors: !errors.isEmpty, notice: notice,
            versions: rows.map { ["version": String($0.version), "status": ItemStatus(rawValue: $0.status).map(Self.statusZh) ?? $0.status] },
            publicHref: record.row.currentVersion > 0 ? "/services/\(code)" : nil)
    }

    /// Reads the item from the JSON editor; a syntax or type error, or a key an item does not have, names the field.
    static func item(from json: String) throws -> ServiceItem {
        try JSONBody.decodeStrict(ServiceItem.self, from: Data(json.utf8))
    }

    func register(_ routes: SecuredRouter) {
        routes.get("/services", access: .anyone) { request, context in
            views.page("services", try await searchPage(request, context: context), request: request, context: context)
        }
        routes.get("/services/{code}", access: .anyone) { request, context in
            views.page("service-guide", try await guidePage(code: try context.parameters.require("code"), request: request),
                       request: request, context: context)
        }

        routes.get("/admin/catalog", access: CatalogAPI.admins) { request, context in
            views.page("catalog-admin", try await adminPage(request), request: request, context: context)
        }
        routes.post("/admin/catalog/items", access: CatalogAPI.admins) { request, context in
            let form = try await FormBody.read(request)
            let json = form["json"] ?? ""
            do {
                let record = try await catalog.create(try Self.item(from: json), by: context.principal, actor: context.auditActor)
                return ViewRenderer.redirect("/admin/catalog/items/\(record.row.itemCode)/\(record.row.divisionCode)")
            } catch {
                let page = try await adminPage(request, json: json, errors: try Self.errors(error))
                return views.page("catalog-admin", page, request: request, context: context, status: Problem.from(error)!.status)
            }
        }
        routes.get("/admin/catalog/items/{code}/{division}", access: CatalogAPI.admins) { request, context in
            let page = try await editPage(code: try context.parameters.require("code"), division: try context.parameters.require("division"))
            return views.page("catalog-edit", page, request: request, context: context)
        }
        routes.post("/admin/catalog/items/{code}/{division}/{action}", access: CatalogAPI.admins) { request, context in
            let code = try context.parameters.require("code"), division = try context.parameters.require("division")
            let form = try await FormBody.read(request)
            let json = form["json"]
            do {
                let notice: String
                switch try context.parameters.require("action") {
                case "save":
                    _ = try await catalog.saveDraft(code: code, division: division, try Self.item(from: json ?? ""),
                                                    expectedRowVersion: form["rowVersion"].flatMap { Int($0) },
                                                    by: context.principal, actor: context.auditActor)
                    notice = "草稿已保存。"
                case "publish":
                    let record = try await catalog.publish(code: code, division: division, by: context.principal, actor: context.auditActor)
                    notice = "已发布第 \(record.row.currentVersion) 版。"
                case "retire":
                    _ = try await catalog.retire(code: code, division: division, by: context.principal, actor: context.auditActor)
                    notice = "事项已停用。"
                default:
                    throw Problem.notFound()
                }
                return views.page("catalog-edit", try await editPage(code: code, division: division, notice: notice), request: request, context: context)
            } catch {
                let page = try await editPage(code: code, division: division, json: json, errors: try Self.errors(error))
                return views.page("catalog-edit", page, request: request, context: context, status: Problem.from(error)!.status)
            }
        }
        routes.get("/admin/catalog/synonyms", access: CatalogAPI.admins) { request, context in
            let table = try await catalog.synonyms()
            let page = SynonymPage(text: table.groups.map { $0.joined(separator: " ") }.joined(separator: "\n"), errors: [], hasErrors: false)
            return views.page("catalog-synonyms", page, request: request, context: context)
        }
        routes.post("/admin/catalog/synonyms", access: CatalogAPI.admins) { request, context in
            let form = try await FormBody.read(request)
            let text = form["groups"] ?? ""
            // One group per line; members separated by spaces, commas or 、.
            let groups = text.split(whereSeparator: \.isNewline)
                .map { line in line.split(whereSeparator: { " ,，、\t".contains($0) }).map(String.init) }
                .filter { !$0.isEmpty }
            do {
                try await catalog.setSynonyms(SynonymTable(groups: groups), actor: context.auditActor)
                return views.page("catalog-synonyms", SynonymPage(text: text, errors: [], hasErrors: false, notice: "同义词已保存，搜索立即生效。"),
                                  request: request, context: context)
            } catch {
                let errors = try Self.errors(error)
                return views.page("catalog-synonyms", SynonymPage(text: text, errors: errors, hasErrors: true),
                                  request: request, context: context, status: Problem.from(error)!.status)
            }
        }
    }
}
