import Foundation
import Hummingbird
import TongbanCore

/// Browser pages of the hotline: citizens file and follow appeals, hotline operators enter
/// calls, departments sign, return and reply, dispatchers route what the classifier could not.
struct AppealsWeb {
    let service: AppealService
    let api: AppealsAPI
    let views: ViewRenderer

    struct Option: Sendable { var value: String; var label: String; var selected: Bool }

    struct FormPage: Sendable {
        var errors: [[String: String]] = [] { didSet { hasErrors = !errors.isEmpty } }
        var hasErrors = false
        var isHotline = false
        var action = "/appeals/new"
        var types: [Option] = []
        var divisions: [Option] = []
        var organizations: [Option] = [] { didSet { hasOrganizations = !organizations.isEmpty } }
        var hasOrganizations = false
        var title = "", text = "", address = "", latitude = "", longitude = ""
        var callerPhone = "", callerName = ""
        var anonymous = false
    }

    struct Row: Sendable {
        var id: String
        var title: String
        var status: String
        var department: String
        var dueOn: String
        var clock: String
        var clockClass: String
        var priority: String
        var created: String
    }

    struct ListPage: Sendable {
        var heading: String
        var tabs: [[String: String]]
        var rows: [Row] = [] { didSet { hasRows = !rows.isEmpty } }
        var hasRows = false
        var total = 0
        var canFile: Bool
        var canEnterCall: Bool
    }

    struct DetailPage: Sendable {
        var id: String
        var title: String
        var text: String
        var type: String
        var status: String
        var place: String
        var department: String
        var notice: String?
        var replyDueOn: String
        var acceptDueOn: String?
        var clock: String
        var clockClass: String
        var reply: String?
        var rating: String?
        var ratingNote: String?
        var isStaff: Bool
        var caller: String?
        var routing: String?
        var priority: String?
        var suggestions: [[String: String]]
        var departments: [Option]
        var events: [[String: String]]
        var canAccept = false, canHandle = false, canReturn = false, canReply = false, canRate = false
        var canDispatch = false, canEscalate = false, canFixLead = false, canClose = false
        var errors: [[String: String]] = [] { didSet { hasErrors = !errors.isEmpty } }
        var hasErrors = false
        var replyDraft = ""
        var flagged = false
        var message: String?
    }

    static func clockText(_ level: WarningLevel) -> (String, String) {
        switch level {
        case .normal: ("正常", "clock-ok")
        case .warning: ("临近时限", "clock-warn")
        case .overdue: ("已超时", "clock-late")
        }
    }

    func departmentNames() async throws -> [String: String] {
        var names: [String: String] = [:]
        for d in try await service.reference.departments(division: nil) { names[d.code] = d.name }
        return names
    }

    func formPage(hotline: Bool, principal: Principal, input: AppealInput? = nil) async throws -> FormPage {
        var page = FormPage()
        page.isHotline = hotline
        page.action = hotline ? "/hotline" : "/appeals/new"
        page.types = AppealType.allCases.map {
            Option(value: $0.rawValue, label: $0.zh, selected: $0 == (input?.type ?? .complaint))
        }
        // The hotline serves its city: the city itself and its districts and counties.
        let city = principal.divisionCode.map { String($0.prefix(4)) + "00" } ?? "330100"
        var divisions = try await service.reference.division(city).map { [$0] } ?? []
        divisions += try await service.reference.divisions(parent: city)
        let chosen = input?.divisionCode ?? divisions.dropFirst().first?.code ?? city
        page.divisions = divisions.map { Option(value: $0.code, label: $0.name, selected: $0.code == chosen) }
        if !hotline {
            page.organizations = try await service.accounts.organizations(agent: principal.accountID).map {
                Option(value: $0.id, label: $0.name, selected: $0.id == input?.organizationId)
            }
        }
        if let input {
            page.title = input.title; page.text = input.text; page.address = input.address
            page.latitude = input.latitude.map { String($0) } ?? ""; page.longitude = input.longitude.map { String($0) } ?? ""
        }
        return page
    }

    /// Reads the appeal fields of either form; a bad number is reported, not dropped.
    static func input(_ form: [String: String]) throws -> AppealInput {
        var issues: [FieldIssue] = []
        func number(_ name: String) -> Double? {
            guard let raw = form[name]?.trimmed(), !raw.isEmpty else { return nil }
            guard let value = Double(raw) else {
                issues.append(FieldIssue(field: name, code: "format", zh: "\(name) 应为数字", en: "\(name) must be a number")); return nil
            }
            return value
        }
        let type = AppealType(rawValue: form["type"] ?? "")
        if type == nil { issues.append(FieldIssue(field: "type", code: "invalid", zh: "请选择诉求类型", en: "choose a type")) }
        let input = AppealInput(
            type: type ?? .complaint, title: form["title"] ?? "", text: form["text"] ?? "", divisionCode: form["divisionCode"] ?? "",
            address: form["address"] ?? "", latitude: number("latitude"), longitude: number("longitude"),
            organizationId: form["organizationId"].flatMap { $0.isEmpty ? nil : $0 }, attachments: nil)
        if !issues.isEmpty { throw ValidationFailure(issues) }
        return input
    }

    func detailPage(_ record: AppealRecord, principal: Principal, actor: AuditActor) async throws -> DetailPage {
        let view = try await api.view(record, for: principal, actor: actor, detail: true)
        let names = try await departmentNames()
        let place = (try await service.reference.division(record.divisionCode)?.name ?? record.divisionCode) + " " + record.address
        let (clock, clockClass) = Self.clockText(service.clockLevel(record))
        var page = DetailPage(
            id: record.id, title: record.title, text: record.content, type: record.appealType.zh, status: record.appealStatus.zh,
            place: place, department: record.departmentCode.flatMap { names[$0] } ?? "待派单", notice: view.notice,
            replyDueOn: record.replyDueOn, acceptDueOn: AppealStatus.awaitingAcceptance.contains(record.appealStatus) ? record.acceptDueOn : nil,
            clock: clock, clockClass: clockClass, reply: record.replyText,
            rating: record.rating.flatMap { AppealRating(rawValue: $0)?.zh }, ratingNote: record.ratingNote,
            isStaff: principal.kind == .staff,
            caller: view.caller.map { c in c.anonymous ? "匿名来电" + (c.phone.map { " \($0)" } ?? "") : [c.name, c.phone].compactMap { $0 }.joined(separator: " ") },
            routing: view.routing.map { r in
                "\(r.category ?? "-")（置信度 \(String(format: "%.2f", r.confidence ?? 0))）" + (r.manualReason.map { "，需人工派单：\($0)" } ?? "")
            },
            priority: view.priority.map { p in "\(p.level) \(p.score) 分" + (p.reasons.isEmpty ? "" : "：" + p.reasons.map(\.message).joined(separator: "；")) },
            suggestions: (view.routing?.suggestions ?? []).map {
                ["category": $0.category.rawValue, "score": String(format: "%.2f", $0.score),
                 "department": $0.departmentCode.flatMap { names[$0] } ?? "（路由表无对应单位）"]
            },
            departments: [], events: (view.events ?? []).map {
                ["at": CivilDate.chinaMinute(unixMilliseconds: Int64($0.at.timeIntervalSince1970 * 1000)), "action": $0.action,
                 "status": AppealStatus(rawValue: $0.toStatus)?.zh ?? $0.toStatus, "note": $0.note ?? ""]
            })
        func may(_ command: AppealService.Command) -> Bool {
            guard (try? AppealReach.mayPerform(command, principal, record)) != nil else { return false }
            let flow = record.flow
            switch command {
            case .dispatch: return (try? flow.applying(.dispatch(department: "x"))) != nil
            case .accept: return (try? flow.applying(.accept)) != nil
            case .startHandling: return (try? flow.applying(.startHandling)) != nil
            case .giveBack: return (try? flow.applying(.giveBack(reason: "x"))) != nil && !flow.leadFixed
            case .reply: return (try? flow.applying(.reply)) != nil
            case .rate: return (try? flow.applying(.rate(.satisfied))) != nil
            case .escalate: return (try? flow.applying(.escalate)) != nil
            case .fixLead: return (try? flow.applying(.fixLead(department: "x"))) != nil
            case .close: return (try? flow.applying(.close)) != nil
            }
        }
        page.canAccept = may(.accept); page.canHandle = may(.startHandling); page.canReturn = may(.giveBack(reason: ""))
        page.canReply = may(.reply(text: "", acknowledgeFlags: false)); page.canRate = may(.rate(.satisfied, note: nil))
        page.canDispatch = record.duplicateOf == nil && may(.dispatch(department: "", category: nil))
        page.canEscalate = may(.escalate(reason: nil)); page.canFixLead = may(.fixLead(department: ""))
        page.canClose = may(.close)
        if page.canDispatch || page.canFixLead {
            let suggested = (view.routing?.suggestions.first?.departmentCode) ?? ""
            page.departments = names.sorted { $0.key < $1.key }.map { Option(value: $0.key, label: $0.value, selected: $0.key == suggested) }
        }
        return page
    }

    func register(_ routes: SecuredRouter) {
        routes.get("/appeals/new", access: .roles([.person])) { request, context in
            views.page("appeal-form", try await formPage(hotline: false, principal: context.principal!), request: request, context: context)
        }
        routes.get("/hotline", access: .roles([.dispatcher])) { request, context in
            views.page("appeal-form", try await formPage(hotline: true, principal: context.principal!), request: request, context: context)
        }
        for hotline in [false, true] {
            routes.post(hotline ? "/hotline" : "/appeals/new", access: .roles([hotline ? .dispatcher : .person])) { request, context in
                let form = try await FormBody.read(request)
                let principal = context.principal!
                var input: AppealInput?
                do {
                    let parsed = try Self.input(form)
                    input = parsed
                    let filer: AppealFiler = hotline
                        ? .hotline(operator: principal, phone: form["callerPhone"], name: form["callerName"], anonymous: form["anonymous"] == "on")
                        : .account(principal, organizationID: parsed.organizationId)
                    let filed = try await service.file(parsed, by: filer, actor: context.auditActor)
                    return ViewRenderer.redirect("/appeals/\(filed.appeal.id)")
                } catch {
                    guard let problem = Problem.from(error), problem.status.code < 500 else { throw error }
                    var page = try await formPage(hotline: hotline, principal: principal, input: input)
                    page.errors = IdentityWeb.FormErrors(problem).errors
                    page.callerPhone = form["callerPhone"] ?? ""; page.callerName = form["callerName"] ?? ""
                    page.anonymous = form["anonymous"] == "on"
                    if input == nil { page.title = form["title"] ?? ""; page.text = form["text"] ?? ""; page.address = form["address"] ?? "" }
                    return views.page("appeal-form", page, request: request, context: context, status: problem.status)
                }
            }
        }
        routes.get("/appeals", access: .signedIn) { request, context in
            let principal = context.principal!
            let paging = try Paging(request, defaultSize: 50)
            let filter = try api.filter(request, principal: principal)
            let (items, total) = try await service.store.list(filter, paging: paging)
            let names = try await departmentNames()
            let prefix = AppealReach.divisionPrefix(principal)
            var tabs: [[String: String]] = []
            func tab(_ query: String, _ label: String) { tabs.append(["href": "/appeals?\(query)", "label": label]) }
            if principal.has(.handler) { tab("scope=department", "本单位诉求"); tab("scope=department&deadline=warning", "临近时限"); tab("scope=department&deadline=overdue", "已超时") }
            if principal.has(.dispatcher), prefix != nil { tab("scope=dispatch", "待派单"); tab("scope=area&deadline=overdue", "超时督办") }
            if principal.hasAny([.dispatcher, .supervisor]), prefix != nil { tab("scope=escalated", "已提级"); tab("scope=area", "全部诉求") }
            let heading = principal.kind == .person ? "我的诉求" : request.query("scope") == "dispatch" || (request.query("scope") == nil && principal.has(.dispatcher) && !principal.has(.handler)) ? "派单队列" : "诉求队列"
            var page = ListPage(heading: heading, tabs: tabs, total: total, canFile: principal.kind == .person, canEnterCall: principal.has(.dispatcher))
            page.rows = items.map { r in
                let (clock, clockClass) = Self.clockText(service.clockLevel(r))
                return Row(id: r.id, title: r.title, status: r.appealStatus.zh, department: r.departmentCode.flatMap { names[$0] } ?? "—",
                           dueOn: r.replyDueOn, clock: clock, clockClass: clockClass, priority: "\(r.priorityLevel) \(r.priorityScore)",
                           created: CivilDate.chinaMinute(unixMilliseconds: r.createdAt))
            }
            return views.page("appeals", page, request: request, context: context)
        }
        routes.get("/appeals/{id}", access: .signedIn) { request, context in
            let principal = context.principal!
            guard let record = try await service.store.appeal(id: try context.parameters.require("id")),
                  AppealReach.canRead(principal, record) else { throw Problem.notFound("appeal") }
            var page = try await detailPage(record, principal: principal, actor: context.auditActor)
            if request.query("done") != nil { page.message = "已提交 / done" }
            return views.page("appeal", page, request: request, context: context)
        }
        routes.post("/appeals/{id}/{action}", access: .signedIn) { request, context in
            let form = try await FormBody.read(request)
            let principal = context.principal!
            let id = try context.parameters.require("id")
            do {
                let command: AppealService.Command
                switch try context.parameters.require("action") {
                case "accept": command = .accept
                case "handle": command = .startHandling
                case "return": command = .giveBack(reason: form["reason"] ?? "")
                case "reply": command = .reply(text: form["text"] ?? "", acknowledgeFlags: form["acknowledgeFlags"] == "on")
                case "rate":
                    guard let rating = AppealRating(rawValue: form["rating"] ?? "") else {
                        throw ValidationFailure(FieldIssue(field: "rating", code: "required", zh: "请选择评价", en: "choose a rating"))
                    }
                    command = .rate(rating, note: form["note"])
                case "dispatch":
                    command = .dispatch(department: form["departmentCode"] ?? "", category: AppealCategory(rawValue: form["category"] ?? ""))
                case "escalate": command = .escalate(reason: form["reason"])
                case "fix-lead": command = .fixLead(department: form["departmentCode"] ?? "")
                case "close": command = .close
                default: throw Problem.notFound("action")
                }
                _ = try await service.perform(command, on: id, by: principal, actor: context.auditActor)
                return ViewRenderer.redirect("/appeals/\(id)?done=1")
            } catch {
                guard let problem = Problem.from(error), problem.status.code < 500, problem.status != .notFound,
                      let record = try await service.store.appeal(id: id), AppealReach.canRead(principal, record) else { throw error }
                var page = try await detailPage(record, principal: principal, actor: context.auditActor)
                page.errors = IdentityWeb.FormErrors(problem).errors
                page.replyDraft = form["text"] ?? ""
                if case .replyFlagged = error as? AppealError { page.flagged = true }
                return views.page("appeal", page, request: request, context: context, status: problem.status)
            }
        }
    }
}
