import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TongbanCore

/// JSON API of online applications and work queues.
struct ApplicationsAPI {
    let service: ApplicationService
    let audit: any AuditLog

    static let applicants: Access = .roles([.person, .organizationAgent])
    static let officialRoles: Set<Role> = [.windowClerk, .reviewer, .approver]
    static let officials: Access = .roles(officialRoles)
    /// Who works or oversees cases, or maintains the catalog, may read an item's process.
    static let processReaders: Access = .roles([.windowClerk, .reviewer, .approver, .supervisor, .catalogAdmin, .systemAdmin])

    struct Created: Encodable, Sendable, JSONWritable {
        var id: String
        var status: String
        var version: Int

        func write(to w: inout JSONTextWriter) {
            w.object { w in
                w.member("id", id)
                w.member("status", status)
                w.member("version", version)
            }
        }
    }
    /// The full view, or the state alone when the client prefers it.
    func changed(_ record: ApplicationRecord, request: Request, context: TongbanContext) async throws -> Response {
        if Preference.returnMinimal(request) {
            return try JSONOut.response(ApplicationStateView(record), headers: Preference.minimalApplied)
        }
        return try JSONOut.response(try await view(record, for: context.principal!))
    }

    /// Form values as JSON scalars; numbers and booleans are taken as their text.
    struct FormScalar: Decodable, Sendable {
        var text: String
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { text = "" }
            else if let s = try? c.decode(String.self) { text = s }
            else if let i = try? c.decode(Int64.self) { text = String(i) }
            else if let d = try? c.decode(Double.self) { text = String(d) }
            else if let b = try? c.decode(Bool.self) { text = b ? "true" : "false" }
            else { throw DecodingError.typeMismatch(String.self, .init(codingPath: c.codingPath, debugDescription: "a scalar value")) }
        }
    }

    struct Fill: Decodable, Sendable { var form: [String: FormScalar] }
    struct CreationBody: Decodable, Sendable {
        var itemCode: String
        var divisionCode: String?
        var organizationId: String?
        var form: [String: FormScalar]?
    }
    /// `kind` names the department's task on the case, where it has several (`ApplicationService.changeClaim`).
    struct Assignment: Decodable, Sendable { var assignee: String; var kind: String? }
    struct TaskChoice: Decodable, Sendable { var kind: String? }

    var views: ApplicationViewBuilder { ApplicationViewBuilder(service: service) }

    /// A staff member's read of a case holds personal data, so it is audited (masked or not).
    func auditedView(_ record: ApplicationRecord, context: TongbanContext) async throws -> ApplicationView {
        if context.principal?.accountID != record.applicantId {
            try await audit.append(AuditRecord("application.read", targetType: "application", targetID: record.id), actor: context.auditActor)
        }
        return try await view(record, for: context.principal!)
    }

    /// The case as `caller` may see it: ID and mobile numbers masked unless `CaseRelation.seesIdentifiers`.
    func view(_ record: ApplicationRecord, for caller: Principal) async throws -> ApplicationView {
        var view = try await views.view(record)
        if try await !service.relation(of: caller, to: record).seesIdentifiers { view.maskIdentifiers() }
        return view
    }

    func register(_ routes: SecuredRouter) {
        routes.post("/api/v1/applications", access: Self.applicants) { request, context in
            let body = try await JSONBody.decode(CreationBody.self, from: request)
            let input = ApplicationService.Creation(itemCode: body.itemCode, divisionCode: body.divisionCode,
                                                    organizationId: body.organizationId, form: body.form?.mapValues(\.text))
            let record = try await service.create(input, by: context.principal!, actor: context.auditActor)
            return try JSONOut.response(Created(id: record.id, status: record.status, version: record.version), status: .created,
                                        headers: [.location: "/api/v1/applications/\(record.id)"])
        }
        routes.get("/api/v1/applications", access: .signedIn) { request, context in
            if let mine = request.query("mine"), mine != "true" {
                throw Problem.badRequest("mine 只能为 true", "mine must be true",
                                         issues: [FieldIssue(field: "mine", code: "invalid", zh: "mine 只能为 true", en: "mine must be true")])
            }
            let paging = try Paging(request)
            let (items, total) = try await service.store.applications(applicant: context.principal!.accountID, paging: paging,
                                                                      on: service.database.sql)
            return try JSONOut.response(Page(items: items.map(ApplicationSummary.init), total: total, page: paging.page, pageSize: paging.pageSize))
        }
        routes.get("/api/v1/applications/{id}", access: .signedIn) { _, context in
            let record = try await service.visible(try context.parameters.require("id"), to: context.principal!)
            return try JSONOut.response(try await auditedView(record, context: context))
        }
        routes.put("/api/v1/applications/{id}", access: Self.applicants) { request, context in
            let input = try await JSONBody.decode(Fill.self, from: request)
            let record = try await service.fill(id: try context.parameters.require("id"), values: input.form.mapValues(\.text),
                                                by: context.principal!, actor: context.auditActor)
            return try await changed(record, request: request, context: context)
        }
        routes.post("/api/v1/applications/{id}/attachments", access: Self.applicants) { request, context in
            let (upload, _) = try await Self.readUpload(request)
            let material = try await service.attach(id: try context.parameters.require("id"), upload: upload,
                                                    by: context.principal!, actor: context.auditActor)
            return try JSONOut.response(
                ApplicationView.MaterialView(id: material.id, materialName: material.materialName, source: material.source,
                                             suppliedBy: nil, fileName: material.fileName, contentType: material.contentType,
                                             sizeBytes: material.sizeBytes, sha256: material.sha256, createdAt: material.createdAt),
                status: .created)
        }
        routes.get("/api/v1/applications/{id}/attachments/{materialId}", access: .signedIn) { _, context in
            let (material, data) = try await service.attachment(
                id: try context.parameters.require("id"), materialID: try context.parameters.require("materialId"),
                by: context.principal!, actor: context.auditActor)
            return FileOut.response(name: material.fileName, contentType: material.contentType, data: data)
        }
        routes.delete("/api/v1/applications/{id}/attachments/{materialId}", access: Self.applicants) { _, context in
            try await service.removeAttachment(id: try context.parameters.require("id"), materialID: try context.parameters.require("materialId"),
                                               by: context.principal!, actor: context.auditActor)
            return Response(status: .noContent)
        }
        routes.post("/api/v1/applications/{id}/submit", access: Self.applicants) { _, context in
            let record = try await service.submit(id: try context.parameters.require("id"), by: context.principal!, actor: context.auditActor)
            return try JSONOut.response(ApplicationStateView(record))
        }
        routes.post("/api/v1/applications/{id}/actions", access: .signedIn) { request, context in
            let input = try await JSONBody.decode(ApplicationService.ActionInput.self, from: request)
            let record = try await service.act(id: try context.parameters.require("id"), input: input, by: context.principal!,
                                               actor: context.auditActor)
            return try await changed(record, request: request, context: context)
        }
        routes.get("/api/v1/work/queue", access: Self.officials) { request, context in
            let paging = try Paging(request)
            let query = try Self.queueQuery(request)
            let (items, total, counts) = try await service.queue(query, for: context.principal!, paging: paging)
            struct QueuePage: Encodable, Sendable {
                var items: [QueueItemView]; var total: Int; var page: Int; var pageSize: Int; var counts: QueueCounts
            }
            return try JSONOut.response(QueuePage(items: items.map { QueueItemView($0, calendar: service.calendar) }, total: total, page: paging.page,
                                                  pageSize: paging.pageSize, counts: counts))
        }
        routes.get("/api/v1/supervision/applications", access: Self.lateCaseReaders) { request, context in
            let paging = try Paging(request)
            let (items, total, counts) = try await service.lateCases(try Self.lateCaseQuery(request), for: context.principal!, paging: paging)
            struct LatePage: Encodable, Sendable {
                var items: [LateCaseView]; var total: Int; var page: Int; var pageSize: Int; var counts: LateCaseCounts
            }
            return try JSONOut.response(LatePage(items: items.map(LateCaseView.init), total: total, page: paging.page,
                                                 pageSize: paging.pageSize, counts: counts))
        }
        for (path, change) in [("claim", ApplicationService.ClaimChange.claim), ("release", .release)] {
            routes.post("/api/v1/work/queue/{id}/\(path)", access: Self.officials) { request, context in
                let choice = try await JSONBody.decodeIfPresent(TaskChoice.self, from: request)
                let task = try await service.changeClaim(id: try context.parameters.require("id"), change, task: choice?.kind,
                                                         by: context.principal!, actor: context.auditActor)
                return try JSONOut.response(QueueItemView(task, calendar: service.calendar))
            }
        }
        routes.get("/api/v1/work/colleagues", access: .roles([.approver])) { request, context in
            struct Colleague: Encodable, Sendable { var id: String; var username: String?; var name: String; var post: String?; var posts: [String] }
            let paging = try Paging(request)
            // A department's staff are few: read whole, paged like every other list.
            let all = try await service.colleagues(of: context.principal!)
            let items = all.dropFirst(min(paging.offset, all.count)).prefix(paging.pageSize).map {
                Colleague(id: $0.id, username: $0.username, name: $0.displayName, post: $0.post,
                          posts: StaffPosts.processRoles(for: $0.roleSet).map(\.rawValue))
            }
            return try JSONOut.response(Page(items: Array(items), total: all.count, page: paging.page, pageSize: paging.pageSize))
        }
        routes.post("/api/v1/work/queue/{id}/assign", access: .roles([.approver])) { request, context in
            let input = try await JSONBody.decode(Assignment.self, from: request)
            let task = try await service.changeClaim(id: try context.parameters.require("id"), .assign(to: input.assignee),
                                                     task: input.kind, by: context.principal!, actor: context.auditActor)
            return try JSONOut.response(QueueItemView(task, calendar: service.calendar))
        }
        routes.get("/api/v1/processes/{itemCode}", access: Self.processReaders) { request, context in
            try JSONOut.response(try await service.processInForce(itemCode: try context.parameters.require("itemCode"),
                                                                  division: request.query("division")))
        }
        routes.put("/api/v1/processes/{itemCode}", access: CatalogAPI.admins) { request, context in
            let input = try await JSONBody.decodeStrict(ApplicationService.ProcessPublication.self, from: request)
            return try JSONOut.response(try await service.publishProcess(itemCode: try context.parameters.require("itemCode"), input,
                                                                         by: context.principal!, actor: context.auditActor))
        }
        routes.get("/api/v1/notices", access: .signedIn) { request, context in
            let paging = try Paging(request)
            let (items, total) = try await service.notices(for: context.principal!, paging: paging)
            return try JSONOut.response(Page(items: items, total: total, page: paging.page, pageSize: paging.pageSize))
        }
    }

    /// Supervisors (监察员) and system administrators, over the divisions they reach.
    static let lateCaseReaders: Access = .roles([.supervisor, .systemAdmin])

    static func lateCaseQuery(_ request: Request) throws -> ApplicationService.LateCaseQuery {
        var issues: [FieldIssue] = []
        var query = ApplicationService.LateCaseQuery(itemCode: request.query("itemCode"), department: request.query("department"))
        if let level = request.query("warningLevel") {
            switch level {
            case "warning": query.warningLevel = WarningLevel.warning.rawValue
            case "overdue": query.warningLevel = WarningLevel.overdue.rawValue
            default: issues.append(FieldIssue(field: "warningLevel", code: "invalid", zh: "预警级别只能是 warning 或 overdue",
                                              en: "warningLevel must be warning or overdue"))
            }
        }
        if let escalated = request.query("escalated") {
            switch escalated {
            case "true": query.escalated = true
            case "false": query.escalated = false
            default: issues.append(FieldIssue(field: "escalated", code: "invalid", zh: "escalated 只能为 true 或 false",
                                              en: "escalated must be true or false"))
            }
        }
        if !issues.isEmpty { throw Problem.badRequest("筛选条件有误", "invalid filters", issues: issues) }
        return query
    }

    static func queueQuery(_ request: Request) throws -> ApplicationService.QueueQuery {
        var issues: [FieldIssue] = []
        var query = ApplicationService.QueueQuery(itemCode: request.query("itemCode"), status: request.query("status"),
                                                  warningLevel: nil, claim: request.query("claim"))
        // Only open cases waiting for an official have tasks: a draft, a concluded case or one
        // waiting for the applicant's supplement is never in a queue, so asking for one is a
        // mistake to name, not an empty page.
        if let status = query.status, !SQLApplicationStore.queueStatuses.contains(status) {
            let open = SQLApplicationStore.queueStatuses.joined(separator: ", ")
            issues.append(FieldIssue(field: "status", code: "invalid", zh: "工作队列只有办理中的办件，状态只能是 \(open)",
                                     en: "a work queue holds open cases only; status must be one of \(open)"))
        }
        if let level = request.query("warningLevel") {
            let levels = ["normal": 0, "warning": 1, "overdue": 2]
            if let value = levels[level] { query.warningLevel = value } else {
                issues.append(FieldIssue(field: "warningLevel", code: "invalid", zh: "预警级别只能是 normal、warning、overdue",
                                         en: "warningLevel must be normal, warning or overdue"))
            }
        }
        switch request.query("scope") {
        case nil, "mine": break
        case "department": query.wholeDepartment = true
        default: issues.append(FieldIssue(field: "scope", code: "invalid", zh: "scope 只能是 mine 或 department",
                                          en: "scope must be mine or department"))
        }
        if let claim = query.claim, !["mine", "unclaimed"].contains(claim) {
            issues.append(FieldIssue(field: "claim", code: "invalid", zh: "claim 只能是 mine 或 unclaimed", en: "claim must be mine or unclaimed"))
        }
        if !issues.isEmpty { throw Problem.badRequest("筛选条件有误", "invalid filters", issues: issues) }
        return query
    }

    /// Reads an upload: multipart/form-data with a `material` field and a `file` part, or the
    /// raw file as the body with `?material=…&filename=…` and its Content-Type.
    /// `fields` holds the other multipart fields (the pages send their CSRF token there).
    static func readUpload(_ request: Request) async throws -> (upload: ApplicationService.Upload, fields: [String: String]) {
        var request = request
        let contentType = request.headers[.contentType] ?? ""
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: AttachmentPolicy.maxBytes + 64 * 1024)
        } catch {
            throw ApplicationService.tooLarge
        }
        let bytes = Array(body.readableBytesView)
        if let boundary = Multipart.boundary(of: contentType) {
            guard let parts = Multipart.parse(bytes, boundary: boundary) else {
                throw Problem.badRequest("上传内容格式有误", "malformed multipart body")
            }
            var fields: [String: String] = [:]
            for part in parts where part.fileName == nil { fields[part.name] = String(decoding: part.data, as: UTF8.self) }
            // Before the file is looked for by its part's name: a NUL there once read as no file at all (422).
            var issues = NulInput.issues(fields)
            for part in parts where part.fileName != nil {
                if part.name.contains("\0") { issues.append(NulInput.issue(part.name)) }
                if part.fileName?.contains("\0") == true { issues.append(NulInput.issue("filename")) }
                if part.contentType?.contains("\0") == true { issues.append(NulInput.issue("Content-Type")) }
            }
            if !issues.isEmpty { throw NulInput.refusal(issues) }
            guard let file = parts.first(where: { $0.name == "file" }) else {
                throw Problem.validation([.required("file")])
            }
            return (.init(material: fields["material"] ?? "", fileName: file.fileName ?? "attachment", declaredType: file.contentType,
                          bytes: file.data), fields)
        }
        guard let material = request.query("material") else { throw Problem.validation([.required("material")]) }
        return (.init(material: material, fileName: request.query("filename") ?? "attachment", declaredType: contentType, bytes: bytes), [:])
    }

}

extension ApplicationView {
    /// ID and mobile numbers as those who may not see them whole see them (`Masking.mask(_:as:)`),
    /// in the form and in its fields alike.
    mutating func maskIdentifiers() {
        for index in fields.indices {
            guard let type = FormFieldType(rawValue: fields[index].type) else { continue }
            let id = fields[index].id
            fields[index].value = fields[index].value.map { Masking.mask($0, as: type) }
            form[id] = form[id].map { Masking.mask($0, as: type) }
        }
    }
}
