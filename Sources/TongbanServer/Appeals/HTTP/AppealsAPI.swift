import Foundation
import HTTPTypes
import Hummingbird
import TongbanCore

/// JSON API of the 12345 hotline under /api/v1.
struct AppealsAPI {
    let service: AppealService
    let audit: any AuditLog

    var store: any AppealStore { service.store }

    /// One appeal as the caller may see it; a staff read of a citizen's appeal is audited.
    func view(_ record: AppealRecord, for principal: Principal, actor: AuditActor, detail: Bool) async throws -> AppealView {
        let staff = principal.kind == .staff
        var phone: String?
        if staff, detail {
            phone = try record.callerPhoneEnc.map(service.protector.decrypt)
            try await audit.append(AuditRecord("appeal.read", targetType: "appeal", targetID: record.id), actor: actor)
        }
        return AppealView(record, level: service.clockLevel(record), staff: staff, callerPhone: phone,
                          events: detail ? try await store.events(appealID: record.id) : nil,
                          attachments: detail ? try await store.attachments(appealID: record.id) : nil)
    }

    /// The list a caller asked for, narrowed to what their roles reach.
    func filter(_ request: Request, principal: Principal) throws -> AppealFilter {
        var filter = AppealFilter()
        var issues: [FieldIssue] = []
        let prefix = AppealReach.divisionPrefix(principal)
        let scope = request.query("scope") ?? (principal.kind == .person ? "mine"
            : principal.has(.handler) ? "department" : principal.has(.dispatcher) ? "dispatch" : "area")
        switch scope {
        case "mine" where principal.kind == .person:
            filter.accountID = principal.accountID
        case "department" where principal.has(.handler):
            filter.departments = [principal.departmentCode ?? ""]
        case "dispatch" where principal.has(.dispatcher) && prefix != nil:
            filter.divisionPrefix = prefix
            filter.statuses = Array(AppealStatus.awaitingDispatch)
            filter.excludeDuplicates = true
        case "escalated" where principal.hasAny([.dispatcher, .supervisor]) && prefix != nil:
            filter.divisionPrefix = prefix
            filter.statuses = [.escalated]
        case "area" where prefix != nil:
            filter.divisionPrefix = prefix
        default:
            issues.append(FieldIssue(field: "scope", code: "invalid", zh: "无权查看该范围或范围无效", en: "scope is invalid or not open to you"))
        }
        if let raw = request.query("status") {
            let statuses = raw.split(separator: ",").map { AppealStatus(rawValue: String($0)) }
            if statuses.contains(where: { $0 == nil }) {
                issues.append(FieldIssue(field: "status", code: "invalid", zh: "状态值无效", en: "unknown status"))
            } else {
                let wanted = statuses.compactMap { $0 }
                filter.statuses = filter.statuses.map { $0.filter(wanted.contains) } ?? wanted
            }
        }
        if let raw = request.query("category") {
            if AppealCategory(rawValue: raw) == nil { issues.append(FieldIssue(field: "category", code: "invalid", zh: "分类无效", en: "unknown category")) }
            filter.category = raw
        }
        if let raw = request.query("type") {
            if AppealType(rawValue: raw) == nil { issues.append(FieldIssue(field: "type", code: "invalid", zh: "诉求类型无效", en: "unknown type")) }
            filter.type = raw
        }
        if let raw = request.query("deadline") {
            if let state = AppealFilter.DeadlineState(rawValue: raw) {
                filter.deadline = state
                filter.today = service.today
            } else {
                issues.append(FieldIssue(field: "deadline", code: "invalid", zh: "deadline 应为 warning 或 overdue", en: "deadline must be warning or overdue"))
            }
        }
        if let raw = request.query("minPriority") {
            if let n = Int(raw), (0...100).contains(n) { filter.minimumPriority = n } else {
                issues.append(FieldIssue(field: "minPriority", code: "range", zh: "minPriority 应为 0 到 100 的整数", en: "minPriority must be an integer 0...100"))
            }
        }
        if !issues.isEmpty { throw Problem.badRequest("查询参数有误", "invalid query parameters", issues: issues) }
        return filter
    }

    struct Created: Encodable, Sendable {
        var appeal: AppealView
        var duplicateOf: String?
        var notice: String?
    }

    struct ReasonBody: Decodable, Sendable { var reason: String? }
    struct DispatchBody: Decodable, Sendable { var departmentCode: String; var category: AppealCategory? }
    struct ReplyBody: Decodable, Sendable { var text: String; var acknowledgeFlags: Bool? }
    struct RateBody: Decodable, Sendable { var rating: AppealRating; var note: String? }
    struct LeadBody: Decodable, Sendable { var departmentCode: String }
    struct ReplyCheckView: Encodable, Sendable {
        struct Flag: Encodable, Sendable { var code: String; var message: String; var messageEn: String }
        var flags: [Flag]
        var similarity: Double
        var length: Int
    }

    func created(_ filed: AppealService.Filed, principal: Principal, actor: AuditActor) async throws -> Response {
        let view = try await view(filed.appeal, for: principal, actor: actor, detail: false)
        return try JSONOut.response(Created(appeal: view, duplicateOf: filed.duplicateOf, notice: view.notice),
                                    status: .created, headers: [.location: "/api/v1/appeals/\(filed.appeal.id)"])
    }

    func register(_ routes: SecuredRouter) {
        routes.post("/api/v1/appeals", access: .roles([.person, .organizationAgent])) { request, context in
            let input = try await JSONBody.decode(AppealInput.self, from: request)
            let principal = context.principal!
            let filed = try await service.file(input, by: .account(principal, organizationID: input.organizationId), actor: context.auditActor)
            return try await created(filed, principal: principal, actor: context.auditActor)
        }
        routes.post("/api/v1/hotline/appeals", access: .roles([.dispatcher])) { request, context in
            let input = try await JSONBody.decode(HotlineInput.self, from: request)
            let principal = context.principal!
            let filed = try await service.file(input.appeal, by: .hotline(operator: principal, phone: input.callerPhone, name: input.callerName,
                                                                          anonymous: input.anonymous ?? false), actor: context.auditActor)
            return try await created(filed, principal: principal, actor: context.auditActor)
        }
        routes.get("/api/v1/appeals", access: .signedIn) { request, context in
            let paging = try Paging(request)
            let principal = context.principal!
            let (items, total) = try await store.list(try filter(request, principal: principal), paging: paging)
            var views: [AppealView] = []
            for item in items { views.append(try await view(item, for: principal, actor: context.auditActor, detail: false)) }
            return try JSONOut.response(Page(items: views, total: total, page: paging.page, pageSize: paging.pageSize))
        }
        routes.get("/api/v1/appeals/{id}", access: .signedIn) { _, context in
            let principal = context.principal!
            // Someone else's appeal and a missing one look the same.
            guard let record = try await store.appeal(id: try context.parameters.require("id")),
                  AppealReach.canRead(principal, record) else { throw Problem.notFound("appeal") }
            return try JSONOut.response(try await view(record, for: principal, actor: context.auditActor, detail: true))
        }
        routes.get("/api/v1/appeals/{id}/attachments/{attachmentId}", access: .signedIn) { _, context in
            let principal = context.principal!
            guard let record = try await store.appeal(id: try context.parameters.require("id")),
                  AppealReach.canRead(principal, record) else { throw Problem.notFound("appeal") }
            let attachmentID = try context.parameters.require("attachmentId")
            guard let file = try await store.attachment(appealID: record.id, id: attachmentID) else {
                throw Problem.notFound("attachment")
            }
            if principal.kind == .staff {
                try await audit.append(AuditRecord("appeal.attachment.read", targetType: "appeal", targetID: record.id, detail: file.id),
                                       actor: context.auditActor)
            }
            return FileOut.response(name: file.name, contentType: file.contentType, data: file.data)
        }
        action("dispatch", roles: [.dispatcher, .supervisor], routes) { request in
            let body = try await JSONBody.decode(DispatchBody.self, from: request)
            return .dispatch(department: body.departmentCode, category: body.category)
        }
        action("accept", roles: [.handler], routes) { _ in .accept }
        action("handle", roles: [.handler], routes) { _ in .startHandling }
        action("return", roles: [.handler], routes) { request in
            .giveBack(reason: try await JSONBody.decode(ReasonBody.self, from: request).reason ?? "")
        }
        action("reply", roles: [.handler], routes) { request in
            let body = try await JSONBody.decode(ReplyBody.self, from: request)
            return .reply(text: body.text, acknowledgeFlags: body.acknowledgeFlags ?? false)
        }
        action("rate", roles: [.person, .organizationAgent, .dispatcher], routes) { request in
            let body = try await JSONBody.decode(RateBody.self, from: request)
            return .rate(body.rating, note: body.note)
        }
        action("escalate", roles: [.dispatcher, .supervisor], routes) { request in
            .escalate(reason: try await JSONBody.decode(ReasonBody.self, from: request).reason)
        }
        action("fix-lead", roles: [.supervisor], routes) { request in
            .fixLead(department: try await JSONBody.decode(LeadBody.self, from: request).departmentCode)
        }
        action("close", roles: [.dispatcher, .supervisor], routes) { _ in .close }
        routes.post("/api/v1/appeals/{id}/reply-check", access: .roles([.handler])) { request, context in
            let body = try await JSONBody.decode(ReplyBody.self, from: request)
            guard let record = try await store.appeal(id: try context.parameters.require("id")),
                  AppealReach.canRead(context.principal!, record) else { throw Problem.notFound("appeal") }
            let result = service.check(reply: body.text, for: record)
            return try JSONOut.response(ReplyCheckView(
                flags: result.flags.map { .init(code: $0.rawValue, message: $0.zh, messageEn: $0.en) },
                similarity: (result.similarity * 1000).rounded() / 1000, length: result.length))
        }

        routes.get("/api/v1/appeal-routes", access: .roles([.dispatcher, .supervisor, .systemAdmin])) { _, _ in
            try JSONOut.response(try await store.routes())
        }
        routes.put("/api/v1/appeal-routes", access: .roles([.supervisor, .systemAdmin])) { request, context in
            let route = try await JSONBody.decodeStrict(AppealRoute.self, from: request)
            try await service.upsert(route: route, actor: context.auditActor)
            return try JSONOut.response(route)
        }
        routes.delete("/api/v1/appeal-routes/{category}/{division}", access: .roles([.supervisor, .systemAdmin])) { _, context in
            let raw = try context.parameters.require("category")
            guard let category = AppealCategory(rawValue: raw.removingPercentEncoding ?? raw) else { throw Problem.notFound("route") }
            try await service.delete(route: category, division: try context.parameters.require("division"), actor: context.auditActor)
            return Response(status: .noContent)
        }
        routes.get("/api/v1/appeal-settings", access: .roles([.dispatcher, .supervisor, .systemAdmin])) { _, _ in
            try JSONOut.response(try await service.settings())
        }
        routes.put("/api/v1/appeal-settings", access: .roles([.systemAdmin])) { request, context in
            let settings = try await JSONBody.decodeStrict(AppealSettings.self, from: request)
            try await service.update(settings: settings, actor: context.auditActor)
            return try JSONOut.response(settings)
        }
    }

    /// `POST /api/v1/appeals/{id}/<name>`: one handling step.
    func action(_ name: String, roles: Set<Role>, _ routes: SecuredRouter,
                command: @escaping @Sendable (Request) async throws -> AppealService.Command) {
        routes.post("/api/v1/appeals/{id}/\(name)", access: .roles(roles)) { request, context in
            let principal = context.principal!
            let saved = try await service.perform(try await command(request), on: try context.parameters.require("id"),
                                                  by: principal, actor: context.auditActor)
            return try JSONOut.response(try await view(saved, for: principal, actor: context.auditActor, detail: false))
        }
    }
}
