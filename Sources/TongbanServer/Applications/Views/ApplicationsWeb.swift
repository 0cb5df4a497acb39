import Foundation
import Hummingbird
import TongbanCore

/// The citizen's apply-and-track pages and the officials' queue, on the same service as the API.
struct ApplicationsWeb {
    let service: ApplicationService
    let views: ViewRenderer

    struct Option: Sendable { var value: String; var label: String; var selected: Bool }

    struct FieldInput: Sendable {
        var id: String
        var label: String
        var value: String
        /// What the read-only view shows: a choice's label rather than its code.
        var display: String
        var required: Bool
        var prefilled: Bool
        var help: String?
        var isChoice: Bool
        var options: [Option]
        var inputType: String
    }

    struct ApplicationPage: Sendable {
        var app: ApplicationView
        var fields: [FieldInput]
        var errors: [[String: String]] = [] { didSet { hasErrors = !errors.isEmpty } }
        var hasErrors = false
        var editable: Bool
        var isApplicant: Bool
        var canWithdraw: Bool
        /// What the applicant may upload now: during a supplement, only what the notice names.
        var uploadable: [String]
        /// What an official may ask for in a supplement notice: every material the applicant provides.
        var requestable: [String]
        var requirements: [RequirementRow]
        var files: [FileRow]
        /// What the supplement notice waiting for the applicant names.
        var noticeNames: [String]
        var actions: [Option]
        var canAct: Bool
        /// For staff: who holds the claimed tasks of their department (由 … 办理).
        var holders: [HolderLine]
        var hasHolders: Bool
        /// Colleagues hold every task of the viewer's posts: no actions are offered, and the page says why.
        var keptOut: Bool
        /// Sent back with an action: lets a joint-review opinion stand over other departments' (`ActionInput.basis`).
        var opinionBasis: String
        var hasTimeline: Bool
        var hasOutstanding: Bool
        var warning: Bool
        var overdue: Bool
    }

    /// A claimed task and who works it; `mine` when the viewer does.
    struct HolderLine: Sendable { var task: String; var holder: String; var mine: Bool }

    struct RequirementRow: Sendable { var requirement: ApplicationView.RequirementView; var requested: Bool }
    /// An uploaded file, with a 删除 button when the applicant may take it back now.
    struct FileRow: Sendable { var material: ApplicationView.MaterialView; var removable: Bool }

    struct ApplyPage: Sendable {
        var itemCode: String
        var itemName: String
        /// Where the case goes, code and name: the division named, or the one the filing rule gives.
        var divisionLabel: String
        /// Sent back with the form: the division the applicant came with (a local implementation's
        /// guide); empty lets the filing rule decide, as the API does without `divisionCode`.
        var division: String
        /// The division was not named: the filing rule chose it from the applicant.
        var byResidence: Bool
        /// The filing rule leaves the choice to the applicant: the divisions to choose from.
        var divisionChoices: [Option]
        var choosesDivision: Bool
        /// Whom the case is for: the person, or an organisation they act for (empty: themselves).
        var organizationId: String
        var applicants: [Option]
        var choosesApplicant: Bool
        /// Whom the case is for, as the page names them when there is nothing to choose.
        var applicantName: String
        var departmentCode: String
        var fields: [FieldInput]
        var governmentSupplied: [String]
        /// What the applicant hands in, as the guide asks for it: always, in a situation it names, or if they wish.
        var requiredMaterials: [String]
        var conditionalMaterials: [ConditionalMaterial]
        var optionalMaterials: [String]
        var hasRequiredMaterials: Bool
        var hasConditionalMaterials: Bool
        var hasOptionalMaterials: Bool
        var hasGovernmentSupplied: Bool
        var errors: [[String: String]] = [] { didSet { hasErrors = !errors.isEmpty } }
        var hasErrors = false
    }

    /// A material the guide asks for only in a situation (情形), e.g. 授权委托书 when an agent applies.
    struct ConditionalMaterial: Sendable { var name: String; var condition: String }

    struct ListPage: Sendable {
        var items: [ApplicationSummary]
        var hasItems: Bool
        var notices: [NoticeRecord]
        var hasNotices: Bool
        var pager: Pager
    }

    struct QueuePage: Sendable {
        var items: [QueueRowView]
        var hasItems: Bool
        var counts: QueueCounts
        var total: Int
        var isHead: Bool
        var filters: QueueFilters
        var pager: Pager
    }

    /// A queue row as the page shows it: in Chinese, with who works the task and only the forms
    /// the viewer may use (`ApplicationService.rights`).
    struct QueueRowView: Sendable {
        var item: QueueItemView
        var kindZh: String
        var levelZh: String?
        var heldByMe: Bool
        /// The colleague who holds the task (由 … 办理).
        var holder: String?
        var canClaim: Bool
        var canRelease: Bool
        /// For the head: colleagues holding the task's post.
        var assignees: [Option]
        var canAssign: Bool
    }

    /// The filter form, filled with what was asked.
    struct QueueFilters: Sendable {
        var itemCode: String
        var statuses: [Option]
        var levels: [Option]
        var claims: [Option]
        /// The head's choice between their own post's tasks and the whole department's.
        var scopes: [Option]
    }

    /// Where a list page stands, with previous and next page links that keep the filters; the
    /// `pager` partial shows it. A list with nothing in it has no page to name, and a page past the
    /// last (a link kept while the list shrank, or a number typed in) says so and links to the last.
    struct Pager: Sendable {
        var page: Int
        var pages: Int
        var total: Int
        /// What the list counts: 项 (tasks) or 件 (cases).
        var unit: String
        var previous: String?
        var next: String?
        var empty: Bool
        var beyond: Bool
        var within: Bool
        var last: String?

        init(_ request: Request, paging: Paging, total: Int, unit: String) {
            page = paging.page
            pages = max(1, (total + paging.pageSize - 1) / paging.pageSize)
            self.total = total
            self.unit = unit
            empty = total == 0
            beyond = !empty && paging.page > pages
            within = !empty && !beyond
            last = beyond ? ViewRenderer.pageLink(request, pages) : nil
            previous = within && paging.page > 1 ? ViewRenderer.pageLink(request, paging.page - 1) : nil
            next = within && paging.page < pages ? ViewRenderer.pageLink(request, paging.page + 1) : nil
        }
    }

    /// Page and page size of the list pages: 50 rows unless asked, at most 200; bad paging is the API's 400.
    static func paging(_ request: Request) throws -> Paging {
        try Paging(request, defaultSize: 50, maxSize: 200)
    }

    struct LatePage: Sendable {
        var items: [LateRow]
        var hasItems: Bool
        var counts: LateCaseCounts
        var total: Int
        var levels: [Option]
        var escalatedOnly: Bool
        var pager: Pager
    }

    struct LateRow: Sendable { var item: LateCaseView; var levelZh: String; var departmentName: String }

    static func taskKindName(_ raw: String) -> String {
        switch TaskKind(rawValue: raw) {
        case .intake: "受理"
        case .handle: "审查 / 决定"
        case .opinion: "联合审查意见"
        case .closeJointReview: "汇总联合审查"
        case .conclude: "办结 / 送达"
        case .supervise: "超期督办"
        case nil: raw
        }
    }

    static func levelLabel(_ level: String) -> String? {
        switch level {
        case "warning": "黄牌"
        case "overdue": "红牌"
        default: nil
        }
    }

    /// A phone shows a date picker and a dial pad where they fit; numbers and money stay text
    /// fields, whose value the server checks as plain decimals (a number input would let the
    /// browser reformat or drop what was typed).
    static let htmlInputType = [FormFieldType.date.rawValue: "date", FormFieldType.mobile.rawValue: "tel"]

    static func inputs(_ fields: [ApplicationView.FieldView], values: [String: String]) -> [FieldInput] {
        fields.map { f in
            let value = values[f.id] ?? ""
            let display = f.options?.first { $0.value == value }?.label ?? value
            return FieldInput(id: f.id, label: f.label, value: value, display: display, required: f.required, prefilled: f.prefilled, help: f.help,
                              isChoice: f.type == "choice",
                              options: (f.options ?? []).map { Option(value: $0.value, label: $0.label, selected: $0.value == value) },
                              inputType: Self.htmlInputType[f.type] ?? "text")
        }
    }

    static func errors(_ problem: Problem) -> [[String: String]] {
        (problem.issues.isEmpty ? [FieldIssue(field: "", code: problem.code, zh: problem.titleZh, en: problem.titleEn)] : problem.issues)
            .map { ["field": $0.field, "message": $0.messageZh] }
    }

    /// `submitted`: the form fields a refused fill sent, shown again so the applicant's edits are not lost.
    func applicationPage(_ id: String, request: Request, context: TongbanContext, errors: [[String: String]] = [],
                         status: HTTPResponse.Status = .ok, submitted: [String: String] = [:]) async throws -> Response {
        let caller = context.principal!
        let record = try await service.visible(id, to: caller)
        let api = ApplicationsAPI(service: service, audit: service.audit)
        let view = try await api.auditedView(record, context: context)
        let isApplicant = record.applicantId == caller.accountID
        let appStatus = ApplicationStatus(rawValue: record.status)
        let editable = isApplicant && appStatus?.isEditable == true
        var actions: [Option] = []
        var claims = ApplicationService.CaseClaims(held: [], keepCallerOut: false)
        if caller.kind == .staff {
            claims = try await service.claims(onCase: record.id, for: caller)
            let engine = try await service.library.engine(id: record.definitionId, version: record.definitionVersion, on: service.database.sql)
            let workflowCase = try ApplicationService.decode(WorkflowCase.self, record.caseJson)
            let held = Set(StaffPosts.processRoles(for: caller.roles))
            if !workflowCase.state.isFinal, appStatus != .draft, appStatus != .supplementRequested, !claims.keepCallerOut,
               let step = engine.definition.step(workflowCase.state.step ?? engine.definition.initialStep) {
                for action in step.actions where !held.isDisjoint(with: action.roles) {
                    actions.append(Option(value: action.kind.rawValue, label: action.kind.nameZh, selected: false))
                }
                if step.action(.suspend) != nil, !held.isDisjoint(with: step.action(.suspend)!.roles) {
                    actions.append(Option(value: ActionKind.resume.rawValue, label: ActionKind.resume.nameZh, selected: false))
                }
            }
        }
        let noticeNames = try ApplicationService.supplementNamed(record)
        // The rule the server refuses by, so the page offers nothing it would refuse.
        func changeable(_ material: String) -> Bool { editable && appStatus?.allowsChange(of: material, noticeNames: noticeNames) == true }
        let applicantMaterials = view.requirements.filter { !$0.governmentSupplied }.map(\.name)
        var page = ApplicationPage(
            app: view, fields: Self.inputs(view.fields, values: view.form.merging(submitted) { _, sent in sent }), editable: editable,
            isApplicant: isApplicant,
            canWithdraw: isApplicant && !(appStatus.map { [ApplicationStatus.concluded, .withdrawn, .rejectedAtIntake, .approved, .rejected].contains($0) } ?? true),
            uploadable: applicantMaterials.filter(changeable), requestable: applicantMaterials,
            requirements: view.requirements.map { RequirementRow(requirement: $0, requested: noticeNames.contains($0.name)) },
            files: view.materials.filter { $0.fileName != nil }.map {
                FileRow(material: $0, removable: $0.source == "applicant" && changeable($0.materialName))
            },
            noticeNames: noticeNames, actions: actions, canAct: !actions.isEmpty,
            holders: claims.held.map {
                HolderLine(task: Self.taskKindName($0.task.kind), holder: $0.holder, mine: $0.task.claimedBy == caller.accountID)
            },
            hasHolders: !claims.held.isEmpty, keptOut: claims.keepCallerOut,
            opinionBasis: actions.isEmpty ? "" : try ApplicationService.opinionBasis(of: record),
            hasTimeline: !view.timeline.isEmpty, hasOutstanding: !noticeNames.isEmpty,
            warning: view.warningLevel == "warning", overdue: view.warningLevel == "overdue")
        page.errors = errors
        return views.page("application", page, request: request, context: context, status: status)
    }

    /// An organisation-only item, and the person acts for no organisation: the page says so
    /// rather than offer a form the service can only refuse.
    struct NoOrganizationPage: Sendable { var itemCode: String; var itemName: String }

    /// The application form for an item, prefilled from the applicant's registered data; after a
    /// refusal, with the values sent and the reasons. `division`: the one the applicant came with
    /// (nil: the filing rule decides, `ApplicationService.filing`); `organization`: the organisation
    /// applied for (nil: the person themselves, or their first organisation for an item only organisations apply for).
    func applyPage(_ code: String, division: String?, organization: String?, request: Request, context: TongbanContext,
                   submitted: [String: String] = [:], refusal: Problem? = nil) async throws -> Response {
        try ApplicationProblem.checkDivision(division, field: "division", in: service.divisions)
        // The item as the guide the applicant came from shows it: the standard, or the named division's implementation.
        guard let requested = try await service.catalog.item(code: code, division: division, version: nil), requested.isPublished else {
            throw ApplicationProblem.notFound()
        }
        let caller = context.principal!
        let type = requested.item.applicantType
        let organizations = type.serves(.organization) ? try await service.accounts.organizations(agent: caller.accountID) : []
        if !type.serves(.person), organizations.isEmpty {
            return views.page("apply-no-organization", NoOrganizationPage(itemCode: code, itemName: requested.item.name),
                              request: request, context: context, status: refusal?.status ?? .ok)
        }
        let chosenOrganization = type.serves(.organization) ? (organization ?? (type.serves(.person) ? nil : organizations.first?.id)) : nil
        let applicant = try await service.identity(of: caller, organizationID: chosenOrganization)
        // The rule is asked even when a division was named: an applicant who has to choose keeps the
        // choice (the named division preselected) on the page after a refusal of their form.
        let filing = try await service.filing(for: code, applicant: applicant)
        var entry = requested
        var choices: [ApplicationService.NamedDivision] = []
        // Only a division found from where the applicant belongs is said to be; the item's own (handled in one place) is not.
        var byResidence = false
        switch filing {
        case .division(let competent?) where division == nil:
            byResidence = true
            // Not published there: the form still shows, and creating the case says why it cannot be filed.
            if let local = try await service.catalog.item(code: code, division: competent, version: nil), local.isPublished { entry = local }
        case .choose(let named): choices = named
        default: break
        }
        let (item, version) = (entry.item, entry.currentVersion)
        let form = service.library.form(for: item, version: version)
        let values = service.prefill(form, from: applicant).merging(submitted) { _, sent in sent }
        let fields = form.fields.map {
            ApplicationView.FieldView(id: $0.id, label: $0.label, type: $0.type.rawValue, required: $0.required, requiredWhen: $0.requiredWhen,
                                      options: $0.options, prefilled: $0.isHeldFact(forOrganization: chosenOrganization != nil), help: $0.help,
                                      value: values[$0.id])
        }
        let supplied = item.materials.filter(\.source.isGovernmentSupplied).map(\.name)
        let handedIn = item.applicantMaterials
        let required = handedIn.filter { $0.required == .required }.map(\.name)
        let optional = handedIn.filter { $0.required == .optional }.map(\.name)
        let conditional = handedIn.compactMap { material -> ConditionalMaterial? in
            guard case .conditional(let condition) = material.required else { return nil }
            return ConditionalMaterial(name: material.name, condition: condition)
        }
        let divisionName = try await service.reference.division(item.divisionCode)?.name ?? ""
        var applicants = type.serves(.person)
            ? [Option(value: "", label: "本人（\(applicant.name)）", selected: chosenOrganization == nil)] : []
        applicants += organizations.map { Option(value: $0.id, label: $0.name, selected: $0.id == chosenOrganization) }
        var page = ApplyPage(
            itemCode: item.itemCode, itemName: item.name,
            divisionLabel: choices.isEmpty ? "\(item.divisionCode) \(divisionName)" : "",
            division: choices.isEmpty ? division ?? "" : "", byResidence: byResidence,
            divisionChoices: choices.map { Option(value: $0.code, label: $0.name.isEmpty ? $0.code : "\($0.code) \($0.name)", selected: $0.code == division) },
            choosesDivision: !choices.isEmpty,
            organizationId: chosenOrganization ?? "", applicants: applicants, choosesApplicant: applicants.count > 1,
            applicantName: applicants.first(where: \.selected)?.label ?? applicant.name,
            departmentCode: item.departmentCode,
            fields: Self.inputs(fields, values: values), governmentSupplied: supplied,
            requiredMaterials: required, conditionalMaterials: conditional, optionalMaterials: optional,
            hasRequiredMaterials: !required.isEmpty, hasConditionalMaterials: !conditional.isEmpty, hasOptionalMaterials: !optional.isEmpty,
            hasGovernmentSupplied: !supplied.isEmpty)
        if let refusal { page.errors = Self.errors(refusal) }
        return views.page("apply", page, request: request, context: context, status: refusal?.status ?? .ok)
    }

    /// Runs a page action; a refusal re-renders the case page with the reasons (and, for a fill,
    /// with the values sent).
    func perform(_ id: String, request: Request, context: TongbanContext, submitted: [String: String] = [:],
                 _ body: () async throws -> Void) async throws -> Response {
        let problem: Problem
        do {
            try await body()
            return ViewRenderer.redirect("/applications/\(id)")
        } catch let refusal as Problem where refusal.status != .notFound {
            problem = refusal
        } catch let error as any ProblemConvertible {
            problem = error.problem
        } catch let failure as ValidationFailure {
            problem = .validation(failure.issues)
        }
        return try await applicationPage(id, request: request, context: context, errors: Self.errors(problem), status: problem.status,
                                         submitted: submitted)
    }

    func register(_ routes: SecuredRouter) {
        routes.get("/apply/{code}", access: ApplicationsAPI.applicants) { request, context in
            try await applyPage(try context.parameters.require("code"), division: request.query("division").flatMap { $0.isEmpty ? nil : $0 },
                                organization: request.query("organization").flatMap { $0.isEmpty ? nil : $0 }, request: request, context: context)
        }
        routes.post("/apply/{code}", access: ApplicationsAPI.applicants) { request, context in
            let form = try await FormBody.read(request)
            let code = try context.parameters.require("code")
            let division = form["_division"].flatMap { $0.isEmpty ? nil : $0 }
            let organization = form["_organization"].flatMap { $0.isEmpty ? nil : $0 }
            let values = form.filter { !$0.key.hasPrefix("_") }
            do {
                // Created with its form in one step, as the API does: a refused form leaves no empty draft behind.
                let record = try await service.create(.init(itemCode: code, divisionCode: division, organizationId: organization, form: values),
                                                      by: context.principal!, actor: context.auditActor)
                return ViewRenderer.redirect("/applications/\(record.id)")
            } catch {
                guard let problem = Problem.from(error), problem.status.code < 500, problem.status != .notFound else { throw error }
                // A division refused is not shown again as chosen: the page offers where the item is handled.
                let shown = problem.issues.contains { $0.field == "divisionCode" } ? nil : division
                return try await applyPage(code, division: shown, organization: organization, request: request, context: context,
                                           submitted: values, refusal: problem)
            }
        }
        routes.get("/applications", access: .signedIn) { request, context in
            let caller = context.principal!
            // Paged as the work queue is, so every case is reachable, however many there are.
            let paging = try Self.paging(request)
            let (items, total) = try await service.store.applications(applicant: caller.accountID, paging: paging, on: service.database.sql)
            let (notices, _) = try await service.notices(for: caller, paging: Paging(page: 1, pageSize: 10))
            return views.page("my-applications", ListPage(items: items.map(ApplicationSummary.init), hasItems: !items.isEmpty,
                                                          notices: notices, hasNotices: !notices.isEmpty,
                                                          pager: Pager(request, paging: paging, total: total, unit: "件")),
                              request: request, context: context)
        }
        routes.get("/applications/{id}", access: .signedIn) { request, context in
            try await applicationPage(try context.parameters.require("id"), request: request, context: context)
        }
        routes.post("/applications/{id}/form", access: ApplicationsAPI.applicants) { request, context in
            let id = try context.parameters.require("id")
            let form = try await FormBody.read(request)
            let values = form.filter { !$0.key.hasPrefix("_") }
            return try await perform(id, request: request, context: context, submitted: values) {
                _ = try await service.fill(id: id, values: values, by: context.principal!, actor: context.auditActor)
            }
        }
        routes.post("/applications/{id}/attachments", access: ApplicationsAPI.applicants) { request, context in
            let id = try context.parameters.require("id")
            let (upload, fields) = try await ApplicationsAPI.readUpload(request)
            try CSRF.check(request, submitted: fields[CSRF.field])
            return try await perform(id, request: request, context: context) {
                _ = try await service.attach(id: id, upload: upload, by: context.principal!, actor: context.auditActor)
            }
        }
        routes.post("/applications/{id}/attachments/{materialId}/delete", access: ApplicationsAPI.applicants) { request, context in
            let id = try context.parameters.require("id")
            let materialID = try context.parameters.require("materialId")
            _ = try await FormBody.read(request)
            return try await perform(id, request: request, context: context) {
                try await service.removeAttachment(id: id, materialID: materialID, by: context.principal!, actor: context.auditActor)
            }
        }
        routes.post("/applications/{id}/submit", access: ApplicationsAPI.applicants) { request, context in
            let id = try context.parameters.require("id")
            _ = try await FormBody.read(request)
            return try await perform(id, request: request, context: context) {
                _ = try await service.submit(id: id, by: context.principal!, actor: context.auditActor)
            }
        }
        routes.post("/applications/{id}/actions", access: .signedIn) { request, context in
            let id = try context.parameters.require("id")
            let form = try await FormBody.read(request)
            return try await perform(id, request: request, context: context) {
                let raw = (form["action"] ?? "").trimmed()
                guard !raw.isEmpty else { throw Problem.validation([.required("action")]) }
                guard let kind = ActionKind(rawValue: raw) else { throw ApplicationService.unknownAction(raw) }
                var version: Int?
                if let sent = form["version"]?.trimmed(), !sent.isEmpty {
                    guard let number = Int(sent) else {
                        throw Problem.validation([ApplicationProblem.field("version", "invalid", "版本号须为整数", "version must be a whole number")])
                    }
                    version = number
                }
                // One checkbox per material of the guide, named after it.
                let materials = form.keys.filter { $0.hasPrefix("supplement:") && form[$0] == "1" }
                    .map { String($0.dropFirst("supplement:".count)) }.sorted()
                let input = ApplicationService.ActionInput(
                    action: kind, comment: form["comment"], reason: form["reason"], legalBasis: form["legalBasis"],
                    materials: materials.isEmpty ? nil : materials, verdict: form["verdict"].flatMap(Verdict.init(rawValue:)),
                    pauseReason: form["pauseReason"].flatMap(PauseReason.init(rawValue:)), version: version,
                    basis: form["basis"].flatMap { $0.isEmpty ? nil : $0 })
                _ = try await service.act(id: id, input: input, by: context.principal!, actor: context.auditActor)
            }
        }
        routes.get("/work", access: ApplicationsAPI.officials) { request, context in
            // The API's filters, so a bad one is refused the same way (400, naming it).
            let query = try ApplicationsAPI.queueQuery(request)
            let paging = try Self.paging(request)
            let (items, total, counts) = try await service.queue(query, for: context.principal!, paging: paging)
            func options(_ all: [(String, String)], chosen: String?) -> [Option] {
                [Option(value: "", label: "全部", selected: chosen == nil)] + all.map { Option(value: $0.0, label: $0.1, selected: $0.0 == chosen) }
            }
            let levelNames = [(WarningLevel.normal, "正常"), (.warning, "黄牌"), (.overdue, "红牌")]
            let filters = QueueFilters(
                itemCode: query.itemCode ?? "",
                statuses: options(SQLApplicationStore.queueStatuses.compactMap(ApplicationStatus.init(rawValue:)).map { ($0.rawValue, $0.zh) },
                                  chosen: query.status),
                levels: options(levelNames.map { (ApplicationViewBuilder.levelName($0.0.rawValue), $0.1) },
                                chosen: query.warningLevel.map(ApplicationViewBuilder.levelName)),
                claims: options([("unclaimed", "待认领"), ("mine", "我认领的")], chosen: query.claim),
                scopes: [Option(value: "mine", label: "我的岗位", selected: !query.wholeDepartment),
                         Option(value: "department", label: "本部门全部岗位", selected: query.wholeDepartment)])
            let caller = context.principal!
            let isHead = caller.has(.approver)
            let colleagues = isHead ? try await service.colleagues(of: caller) : []
            let holders = try await service.holderNames(items)
            let rows = items.map { row in
                let item = QueueItemView(row, calendar: service.calendar)
                let rights = ApplicationService.rights(over: row, for: caller)
                let assignees = !rights.assign ? [] : colleagues.filter { StaffPosts.processRoles(for: $0.roleSet).map(\.rawValue).contains(row.role) }
                    .compactMap { account in
                        account.username.map { Option(value: $0, label: "\(account.displayName)（\(account.post ?? $0)）", selected: false) }
                    }
                let heldByMe = row.claimedBy == caller.accountID
                return QueueRowView(item: item, kindZh: Self.taskKindName(item.kind), levelZh: Self.levelLabel(item.warningLevel),
                                    heldByMe: heldByMe, holder: heldByMe ? nil : row.claimedBy.map { holders[$0] ?? "" },
                                    canClaim: rights.claim, canRelease: rights.release, assignees: assignees,
                                    canAssign: rights.assign && !assignees.isEmpty)
            }
            return views.page("work-queue", QueuePage(items: rows, hasItems: !rows.isEmpty, counts: counts, total: total,
                                                      isHead: isHead, filters: filters,
                                                      pager: Pager(request, paging: paging, total: total, unit: "项")),
                              request: request, context: context)
        }
        for path in ["claim", "release", "assign"] {
            routes.post("/work/{id}/\(path)", access: path == "assign" ? .roles([.approver]) : ApplicationsAPI.officials) { request, context in
                let id = try context.parameters.require("id")
                let form = try await FormBody.read(request)
                let change: ApplicationService.ClaimChange = switch path {
                case "claim": .claim
                case "release": .release
                default: .assign(to: (form["assignee"] ?? "").trimmed())
                }
                // Each row is one task: its forms name it, so the service acts on the task the row offered.
                _ = try await service.changeClaim(id: id, change, task: form["kind"].flatMap { $0.isEmpty ? nil : $0 }, by: context.principal!,
                                                  actor: context.auditActor)
                return ViewRenderer.redirect(path == "claim" ? "/applications/\(id)" : "/work")
            }
        }
        routes.get("/supervision", access: ApplicationsAPI.lateCaseReaders) { request, context in
            let query = try ApplicationsAPI.lateCaseQuery(request)
            let paging = try Self.paging(request)
            let (items, total, counts) = try await service.lateCases(query, for: context.principal!, paging: paging)
            let chosen = query.warningLevel.map(ApplicationViewBuilder.levelName)
            let levels = [Option(value: "", label: "黄牌和红牌", selected: chosen == nil),
                          Option(value: "warning", label: "黄牌", selected: chosen == "warning"),
                          Option(value: "overdue", label: "红牌", selected: chosen == "overdue")]
            var names: [String: String] = [:]
            for code in Set(items.map(\.handlingDepartment)) { names[code] = try await service.reference.department(code)?.name }
            let rows = items.map { record in
                let view = LateCaseView(record)
                return LateRow(item: view, levelZh: Self.levelLabel(view.warningLevel) ?? "",
                               departmentName: names[record.handlingDepartment] ?? record.handlingDepartment)
            }
            return views.page("supervision", LatePage(items: rows, hasItems: !rows.isEmpty, counts: counts,
                                                      total: total, levels: levels, escalatedOnly: query.escalated == true,
                                                      pager: Pager(request, paging: paging, total: total, unit: "件")),
                              request: request, context: context)
        }
    }
}
