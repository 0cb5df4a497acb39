import Crypto
import Foundation
import SQLKit
import TongbanCore

extension ApplicationService {
    public struct ActionInput: Decodable, Sendable {
        public var action: ActionKind
        public var comment: String?
        public var reason: String?
        public var legalBasis: String?
        /// The one-time notice: every material to supplement.
        public var materials: [String]?
        public var verdict: Verdict?
        public var pauseReason: PauseReason?
        /// The version the caller saw; a different current version is a 409.
        public var version: Int?
        /// With `version`, from the case page: the digest of the case it showed, opinions aside
        /// (`opinionBasis`), so another department's opinion given meanwhile is no reason to
        /// refuse this department's. Not part of the JSON API, whose clients leave out `version`.
        public var basis: String? = nil

        private enum CodingKeys: String, CodingKey {
            case action, comment, reason, legalBasis, materials, verdict, pauseReason, version
        }

        public init(action: ActionKind, comment: String? = nil, reason: String? = nil, legalBasis: String? = nil, materials: [String]? = nil,
                    verdict: Verdict? = nil, pauseReason: PauseReason? = nil, version: Int? = nil, basis: String? = nil) {
            (self.action, self.comment, self.reason, self.legalBasis, self.materials) = (action, comment, reason, legalBasis, materials)
            (self.verdict, self.pauseReason, self.version, self.basis) = (verdict, pauseReason, version, basis)
        }

        /// An `action` the endpoint does not know is named as the page names the field, with the
        /// actions it takes, as the other inputs' refusals are (not as a malformed body).
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let raw = try c.decode(String.self, forKey: .action)
            guard let action = ActionKind(rawValue: raw) else { throw ApplicationService.unknownAction(raw) }
            self.init(action: action, comment: try c.decodeIfPresent(String.self, forKey: .comment),
                      reason: try c.decodeIfPresent(String.self, forKey: .reason),
                      legalBasis: try c.decodeIfPresent(String.self, forKey: .legalBasis),
                      materials: try c.decodeIfPresent([String].self, forKey: .materials),
                      verdict: try c.decodeIfPresent(Verdict.self, forKey: .verdict),
                      pauseReason: try c.decodeIfPresent(PauseReason.self, forKey: .pauseReason),
                      version: try c.decodeIfPresent(Int.self, forKey: .version))
        }

        /// What `action` may be: an official's actions and the applicant's withdrawal (submitting
        /// and resubmitting have their own endpoint).
        static let actions = ActionKind.allCases.filter { !$0.isApplicantAction || $0 == .withdraw }
    }

    /// An `action` that is none of `ActionInput.actions`, from the API or the case page.
    static func unknownAction(_ raw: String) -> Problem {
        let label = inputLabels["action"] ?? "action"
        let zh = ActionInput.actions.map { "\($0.nameZh)（\($0.rawValue)）" }.joined(separator: "、")
        let en = ActionInput.actions.map(\.rawValue).joined(separator: ", ")
        return Problem.validation([ApplicationProblem.field("action", "invalid", "未知的\(label)“\(raw.clipped(40))”，\(label)须为以下之一：\(zh)",
                                                            "unknown action \(raw.clipped(40)); action must be one of \(en)")])
    }

    /// The opinions the case holds and a digest of the rest: a page's opinion stands over a later
    /// version only when every version since added one opinion and nothing else changed (a
    /// return to the joint review clears the opinions and leaves the rest as it was).
    static func opinionBasis(of record: ApplicationRecord) throws -> String {
        let workflowCase = try decode(WorkflowCase.self, record.caseJson)
        let digest = SHA256.hash(data: Data(workflowCase.opinionIndependentJSON.utf8)).hexEncoded.prefix(32)
        return "\(workflowCase.opinions.count)-\(digest)"
    }

    private static func onlyOpinionsSince(_ seen: Int, basis: String?, of record: ApplicationRecord) throws -> Bool {
        func parts(_ value: String) -> (opinions: Int, digest: Substring)? {
            guard let dash = value.firstIndex(of: "-"), let count = Int(value[..<dash]) else { return nil }
            return (count, value[value.index(after: dash)...])
        }
        guard let basis, let shown = parts(basis), let current = parts(try opinionBasis(of: record)) else { return false }
        return shown.digest == current.digest && record.version - seen == current.opinions - shown.opinions
    }

    /// An official's action, or the applicant's withdrawal.
    public func act(id: String, input: ActionInput, by caller: Principal, actor: AuditActor) async throws -> ApplicationRecord {
        var record = try await visible(id, to: caller)
        // Every refusal carries the case as the caller last read it (version, status, step), so a
        // client that moves many cases can resynchronise from any answer, not only from a 409.
        do {
            if let seen = input.version, seen != record.version {
                guard try input.action == .giveOpinion && Self.onlyOpinionsSince(seen, basis: input.basis, of: record) else {
                    throw ApplicationProblem.staleVersion(record)
                }
            }
            let action = try Self.caseAction(input)
            var attempts = 0
            while true {
                do {
                    return try await act(record, action: action, input: input, by: caller, actor: actor)
                } catch let refusal as WorkflowError {
                    if input.version == nil, refusal.problem.status == .forbidden,
                       let moved = try await movedOn(record, action: input.action, by: caller) { throw moved }
                    throw ApplicationProblem.withState(try await named(refusal), of: record)
                } catch let problem as Problem where input.action == .giveOpinion && (input.version == nil || input.basis != nil) && attempts < 5
                            && problem.issues.contains(where: { $0.code == "stale" }) {
                    // Departments of a joint review give their opinions in parallel (并联): another
                    // department's opinion stored first is no reason to refuse this one, as any other
                    // change would be. Tried again on the case as it now is, where the engine checks it
                    // afresh. An API caller who named the version it saw keeps the strict check; the
                    // case page names it with the digest of what it showed (`basis`).
                    let current = try await visible(id, to: caller)
                    guard try Self.onlyOpinionsSince(record.version, basis: Self.opinionBasis(of: record), of: current) else { throw problem }
                    record = current
                    attempts += 1
                }
            }
        } catch let problem as Problem where problem.extra["currentVersion"] == nil && problem.status.code < 500 {
            throw ApplicationProblem.withState(problem, of: record)
        }
    }

    /// A caller who named no version and is refused at the case's step, though its post and
    /// department could take the action at a step the case has left, met the case after it moved
    /// on (a race lost to a colleague who acted first, or an old view): 409 with the state, as a
    /// stale version gets, not 403. One that could take it at none of them never had a say, and
    /// its 403 stands; so does the 403 of one who sent the version it saw, the current one.
    private func movedOn(_ record: ApplicationRecord, action: ActionKind, by caller: Principal) async throws -> Problem? {
        let engine = try await library.engine(id: record.definitionId, version: record.definitionVersion, on: database.sql)
        let current = try Self.decode(WorkflowCase.self, record.caseJson)
        guard let left = engine.stepLeft(where: action, by: StaffPosts.processRoles(for: caller.roles), department: caller.departmentCode,
                                         couldAct: current, handlingDepartment: record.handlingDepartment) else { return nil }
        let at = engine.step(of: current).flatMap { engine.definition.step($0) }
        return ApplicationProblem.withState(Problem.conflict(
            "办件已离开您办理的环节，请刷新后查看", "the case has moved on from the step where you act",
            issues: [FieldIssue(field: "action", code: "stepLeft", zh: "办件已离开“\(left.name)”环节，现处于“\(at?.name ?? "-")”环节",
                                en: "the case has left step \(left.id) and is at \(at?.id ?? "-")")]),
            of: record)
    }

    /// The refusal as a person reads it: the engine knows departments by code, the page by name.
    private func named(_ refusal: WorkflowError) async throws -> Problem {
        var problem = refusal.problem
        let department: String? = switch refusal {
        case .departmentNotPermitted(let code, _), .departmentNotParticipant(let code), .notLeadDepartment(let code): code
        case .opinionAlreadyGiven(let code): code
        default: nil
        }
        guard let department, let name = try await reference.department(department)?.name else { return problem }
        problem.issues = problem.issues.map { issue in
            var issue = issue
            issue.messageZh = issue.messageZh.replacingOccurrences(of: department, with: name)
            return issue
        }
        return problem
    }

    private func act(_ record: ApplicationRecord, action: CaseAction, input: ActionInput, by caller: Principal,
                     actor: AuditActor) async throws -> ApplicationRecord {
        if input.action.isApplicantAction {
            guard input.action == .withdraw else {
                throw Problem.validation([ApplicationProblem.field("action", "useSubmit", "提交申请请使用 submit 接口",
                                                                   "submit through POST /api/v1/applications/{id}/submit")])
            }
            guard record.applicantId == caller.accountID else {
                throw Problem(.forbidden, code: "workflow-forbidden", zh: "只有申请人可以撤回申请", en: "only the applicant may withdraw")
            }
            return try await transition(record, action: action, actor: .applicant, caller: caller, comment: input.comment, audit: actor)
        }
        guard caller.kind == .staff else { throw Problem.forbidden }
        try await checkClaim(record, by: caller)
        let engine = try await library.engine(id: record.definitionId, version: record.definitionVersion, on: database.sql)
        let current = try Self.decode(WorkflowCase.self, record.caseJson)
        let step = engine.definition.step(current.state.step ?? engine.definition.initialStep)
        if case .requestSupplement(let materials) = action {
            let issues = try await boundItem(of: record).supplementIssues(naming: materials)
            if !issues.isEmpty { throw Problem.validation(issues) }
        }
        guard let role = StaffPosts.actingRole(for: caller.roles, action: input.action, at: step) else {
            throw Problem(.forbidden, code: "workflow-forbidden", zh: "您的岗位不办理审批事项", en: "your post does not handle applications")
        }
        // When the case has moved on and its step no longer offers the action, the engine's
        // answer (409 with the state) is the true one, not a department refusal.
        let governing: ActionKind = input.action == .resume ? .suspend : input.action
        if !current.state.isFinal, let step, step.action(governing) != nil {
            try WorkflowEngine.checkDepartment(caller.departmentCode, at: step, handling: record.handlingDepartment)
        }
        // A supplement notice's reason is its comment; `reason`, which the other refusing actions
        // take, is read as one there too rather than dropped.
        let comment = input.action == .requestSupplement && (input.comment ?? "").trimmed().isEmpty ? input.reason : input.comment
        return try await transition(record, current: current, action: action,
                                    actor: WorkflowActor(role: role, departmentCode: caller.departmentCode),
                                    caller: caller, comment: comment, audit: actor)
    }

    /// Longest comment, reason or legal basis: they are copied into the timeline and the applicant's notices.
    static let textLimit = 2000
    /// Most materials one supplement notice may name (a guide lists a few dozen at most).
    static let materialsLimit = 100

    /// What the case page calls an action's inputs: a Chinese message names the field as the official sees it.
    static let inputLabels = ["action": "动作", "comment": "说明", "reason": "理由", "legalBasis": "法律依据", "verdict": "审查意见（同意或不同意）",
                              "pauseReason": "暂停原因"]

    static func caseAction(_ input: ActionInput) throws -> CaseAction {
        var issues: [FieldIssue] = []
        for (field, value) in [("comment", input.comment), ("reason", input.reason), ("legalBasis", input.legalBasis)] {
            if let value, value.count > textLimit {
                issues.append(ApplicationProblem.field(field, "tooLong", "\(inputLabels[field] ?? field)不能超过 \(textLimit) 个字",
                                                       "\(field) must be at most \(textLimit) characters"))
            }
        }
        if let materials = input.materials {
            if materials.count > materialsLimit {
                issues.append(ApplicationProblem.field("materials", "tooMany", "补正材料不能超过 \(materialsLimit) 项",
                                                       "at most \(materialsLimit) materials"))
            }
            for (index, name) in materials.enumerated() where name.count > 200 {
                issues.append(ApplicationProblem.field("materials/\(index)", "tooLong", "材料名称过长", "material name too long"))
            }
        }
        func text(_ value: String?) -> String { value?.trimmed() ?? "" }
        let reason = text(input.reason).isEmpty ? text(input.comment) : text(input.reason)
        let action: CaseAction? = switch input.action {
        case .submit: .submit
        case .resubmit: .resubmit
        case .withdraw: .withdraw
        case .accept: .accept
        case .refuseToAccept: .refuseToAccept(reason: reason)
        case .requestSupplement: .requestSupplement(materials: input.materials ?? [])
        case .approve: .approve
        case .reject: .reject(reason: reason, legalBasis: text(input.legalBasis))
        case .returnToPreviousStep: .returnToPreviousStep(reason: reason)
        case .conclude: .conclude
        case .deliver: .deliver
        case .giveOpinion: input.verdict.map { .giveOpinion(JointOpinion($0, comment: text(input.comment))) }
        case .suspend: input.pauseReason.map { .suspend($0) }
        case .resume: .resume
        }
        guard let action else {
            let field = input.action == .giveOpinion ? "verdict" : "pauseReason"
            issues.append(ApplicationProblem.field(field, "required", "请填写\(inputLabels[field] ?? field)", "\(field) is required"))
            throw Problem.validation(issues)
        }
        // The engine names what is missing once the caller may act at all; with other faults
        // found here, the answer names those too, so one answer lists everything (一次性告知).
        if !issues.isEmpty { throw Problem.validation(issues + action.inputIssues.map(\.issue)) }
        return action
    }

    /// Applies one action and stores everything it causes in one transaction: the case, the
    /// receipt number, timeline, queue tasks, notices, the audit entry and, on an approved
    /// conclusion, the conclusion listeners' work.
    /// `current` is the stored case when the caller has decoded it already.
    func transition(_ record: ApplicationRecord, current decoded: WorkflowCase? = nil, action: CaseAction, actor workflowActor: WorkflowActor,
                    caller: Principal, comment: String?, audit actor: AuditActor) async throws -> ApplicationRecord {
        let engine = try await library.engine(id: record.definitionId, version: record.definitionVersion, on: database.sql)
        let current = try decoded ?? Self.decode(WorkflowCase.self, record.caseJson)
        try await syncCalendar(with: record)
        let (next, events) = try engine.apply(action, by: workflowActor, to: current, on: today)
        let now = self.now
        var updated = record
        updated.caseJson = next.storedJSON
        updated.status = ApplicationStatus(next.state).rawValue
        updated.currentStep = engine.step(of: next)
        updated.version += 1
        updated.updatedAt = now
        let deadlines = engine.deadlines(of: next, asOf: today, calendar: calendar)
        updated.warningLevel = deadlines.level.rawValue
        updated.dueDate = deadlines.dueDate?.description
        updated.stepDueDate = deadlines.stepDueDate?.description
        if updated.submittedAt == nil, events.contains(where: { $0.kind == .submitted }) { updated.submittedAt = now }
        if next.state.isFinal {
            updated.concludedAt = now
            updated.escalated = 0
            updated.outcome = switch next.state {
            case .withdrawn: "withdrawn"
            case .rejectedAtIntake: "refused"
            default: next.decision?.outcome.rawValue
            }
        }
        let tasks = scheduledTasks(of: next, deadlines: deadlines, engine: engine, handlingDepartment: record.handlingDepartment,
                                   escalated: updated.escalated != 0)
        let stepName: @Sendable (String) -> String = { id in engine.definition.step(id)?.name ?? id }
        let store = self.store
        let listeners = self.listeners
        if action == .submit {
            // Drawn in a statement of its own, committed at once: inside the transaction the
            // counter's row lock would serialise every submission of the division and day
            // until its COMMIT. A submission that fails afterwards leaves its number unused,
            // as a database sequence would.
            let day = today
            let sequence = try await store.nextReceiptSequence(division: record.divisionCode, day: ReceiptNumber.dayKey(day),
                                                               on: database.sql)
            updated.receiptNumber = ReceiptNumber.make(division: record.divisionCode, date: day, sequence: sequence)
        }
        var departmentNames: [String: String] = [:]
        for case .opinionGiven(let code, _) in events.map(\.kind) { departmentNames[code] = try await reference.department(code)?.name }
        let names = departmentNames
        let entries = events.enumerated().map { index, event in
            TimelineRecord(
                id: UUID.newID(), applicationId: record.id, position: record.lastTimelinePosition + 1 + index, occurredAt: now,
                caseVersion: event.caseVersion, event: event.kind.code, summary: event.kind.summaryZh(stepName: stepName, departmentName: { names[$0] ?? $0 }),
                comment: index == 0 ? comment.flatMap { $0.isEmpty ? nil : $0 } : nil,
                actorId: caller.accountID, actorName: caller.displayName, actorRole: workflowActor.role.rawValue,
                departmentCode: workflowActor.departmentCode)
        }
        updated.lastTimelinePosition += entries.count
        let stored = updated
        return try await guardedTransaction(of: record) { db in
            try await store.update(stored, expectedVersion: record.version, on: db)
            try await store.append(entries, on: db)
            try await store.replaceTasks(of: stored, with: tasks, now: now, on: db)
            for notice in Self.notices(for: events, record: stored, comment: comment, now: now) { try await store.insert(notice, on: db) }
            try await audit.append(AuditRecord("application.\(action.kind.rawValue)", targetType: "application", targetID: record.id,
                                               detail: "\(record.status)→\(stored.status) v\(stored.version)"),
                                   actor: actor.onCase(handledBy: record.handlingDepartment), on: db)
            if next.state == .concluded, next.decision?.outcome == .approved {
                let summary = ConcludedApplication(
                    applicationID: record.id, receiptNumber: stored.receiptNumber, itemCode: record.itemCode, itemName: record.itemName,
                    divisionCode: record.divisionCode, departmentCode: next.decision?.departmentCode ?? record.handlingDepartment,
                    applicantID: record.applicantId, organizationID: record.organizationId,
                    form: try Self.decode([String: String].self, record.formJson), decidedOn: next.decision?.date)
                for listener in listeners { try await listener.applicationConcluded(summary, on: db) }
            }
            return stored
        }
    }

    /// The tasks the case puts in queues, each with where it stands against its own limit today
    /// (the department head's supervision: against the case's worst).
    func scheduledTasks(of workflowCase: WorkflowCase, deadlines: CaseDeadlines, engine: WorkflowEngine, handlingDepartment: String,
                        escalated: Bool) -> [ScheduledTask] {
        engine.openTasks(of: workflowCase, handlingDepartment: handlingDepartment, escalated: escalated).map { task in
            if task.kind == .supervise {
                return ScheduledTask(task: task, dueDate: deadlines.governingDueDate?.description, warningLevel: deadlines.level.rawValue)
            }
            let status = engine.clock(of: task, in: workflowCase)?.status(asOf: today, calendar: calendar)
            return ScheduledTask(task: task, dueDate: status?.dueDate?.description, warningLevel: (status?.level ?? .normal).rawValue)
        }
    }

    /// `comment`: the official's words with the action, passed on where they explain it to the applicant.
    static func notices(for events: [WorkflowEvent], record: ApplicationRecord, comment: String?, now: Int64) -> [NoticeRecord] {
        func notice(_ title: String, _ body: String) -> NoticeRecord {
            NoticeRecord(id: UUID.newID(), accountId: record.applicantId, applicationId: record.id,
                         title: title, body: body, createdAt: now, readAt: nil)
        }
        let item = "“\(record.itemName)”"
        let explained = comment.flatMap { $0.trimmed().isEmpty ? nil : $0.trimmed() }
        return events.compactMap { event in
            switch event.kind {
            case .submitted: notice("申请已提交", "您的\(item)申请已提交，受理编号 \(record.receiptNumber ?? "")。")
            case .resubmitted: notice("补正材料已提交", "您的\(item)申请已补正并重新提交。")
            case .accepted: notice("申请已受理", "您的\(item)申请已受理，受理编号 \(record.receiptNumber ?? "")。")
            case .refusedAtIntake(let reason): notice("申请不予受理", "您的\(item)申请不予受理：\(reason)")
            case .supplementRequested(let materials):
                // The notice is what the applicant works from: what is wrong with the materials goes with their names.
                notice("请补正材料", "您的\(item)申请需一次性补正以下材料：\(materials.joined(separator: "；"))。"
                       + (explained.map { "补正原因：\($0)。" } ?? "") + "补正期间办理时限暂停计算。")
            case .decided(let decision):
                decision.outcome == .approved ? notice("审批决定：准予", "您的\(item)申请已准予。")
                    : notice("审批决定：不予许可", "您的\(item)申请不予许可：\(decision.reason ?? "")（依据：\(decision.legalBasis ?? "")）")
            case .concluded: notice("办件已办结", "您的\(item)申请已办结。")
            // 《行政许可法》第四十五条: the applicant is told in writing of time the law excludes from the limit.
            // A supplement's pause and resumption are told by its own notices.
            case .clockPaused(let reason) where reason != .supplement:
                notice("办理时限暂停计算", "您的\(item)申请进入\(reason.nameZh)程序，所需时间依法不计入办理时限，恢复计算时将另行通知。"
                       + (explained.map { "说明：\($0)" } ?? ""))
            case .clockResumed where !events.contains(where: { $0.kind == .resubmitted }):
                notice("办理时限恢复计算", "您的\(item)申请已恢复计算办理时限" + (record.dueDate.map { "，预计 \($0) 前办结。" } ?? "。"))
            default: nil
            }
        }
    }

    // MARK: - Queues

    public struct QueueQuery: Sendable {
        public var itemCode: String?
        public var status: String?
        public var warningLevel: Int?
        public var claim: String?
        /// Every post's tasks of the department, for its head (审批负责人) to oversee and assign.
        public var wholeDepartment = false
    }

    public func queue(_ query: QueueQuery, for caller: Principal, paging: Paging) async throws
        -> (items: [QueueRow], total: Int, counts: QueueCounts) {
        if query.wholeDepartment, !caller.has(.approver) {
            throw Problem(.forbidden, code: "forbidden", zh: "只有审批负责人可以查看本部门全部任务", en: "only the department head sees every post's tasks")
        }
        let roles = query.wholeDepartment ? StaffPosts.staffPosts.sorted { $0.rawValue < $1.rawValue } : StaffPosts.processRoles(for: caller.roles)
        guard let department = caller.departmentCode, !roles.isEmpty else { throw Problem.forbidden }
        return try await store.queue(
            QueueFilter(departmentCode: department, roles: roles.map(\.rawValue), itemCode: query.itemCode, status: query.status,
                        warningLevel: query.warningLevel, claim: query.claim, caller: caller.accountID),
            paging: paging, on: database.sql)
    }

    public struct LateCaseQuery: Sendable {
        public var warningLevel: Int?
        public var escalated: Bool?
        public var itemCode: String?
        public var department: String?
    }

    /// Cases at 黄牌 or 红牌 in the divisions a supervisor (or system administrator) oversees.
    public func lateCases(_ query: LateCaseQuery, for caller: Principal, paging: Paging) async throws
        -> (items: [ApplicationRecord], total: Int, counts: LateCaseCounts) {
        guard caller.hasAny(Reach.subtreeRoles), let division = caller.divisionCode else { throw Problem.forbidden }
        let filter = LateCaseFilter(divisionPrefix: Reach.subtreePrefix(of: division), warningLevel: query.warningLevel,
                                    escalated: query.escalated, itemCode: query.itemCode, handlingDepartment: query.department)
        return try await store.lateCases(filter, paging: paging, on: database.read)
    }

    /// Staff of the department head's department who hold a post in case work: whom the head may assign tasks to.
    public func colleagues(of caller: Principal) async throws -> [AccountRecord] {
        guard caller.has(.approver), let department = caller.departmentCode else { throw Problem.forbidden }
        return try await accounts.staff(StaffFilter(departments: [department]), paging: Paging(page: 1, pageSize: 500)).items
            .filter { $0.active == 1 && !StaffPosts.processRoles(for: $0.roleSet).isEmpty }
    }

    public enum ClaimChange: Sendable {
        case claim, release
        case assign(to: String)
    }

    /// What the caller may do with a task of their department: claim an open task of their own
    /// post, release their own claim, and, as department head (审批负责人), release or reassign
    /// any. `changeClaim` refuses by it and the pages offer by it.
    public struct TaskRights: Sendable, Equatable {
        public var claim: Bool
        public var release: Bool
        public var assign: Bool
    }

    public static func rights(over task: QueueRow, for caller: Principal) -> TaskRights {
        let isHead = caller.has(.approver) && task.departmentCode == caller.departmentCode
        let ownPost = StaffPosts.processRoles(for: caller.roles).contains { $0.rawValue == task.role } && task.departmentCode == caller.departmentCode
        return TaskRights(claim: ownPost && task.claimedBy == nil,
                          release: task.claimedBy != nil && (isHead || ownPost && task.claimedBy == caller.accountID),
                          assign: isHead)
    }

    /// The claims that keep the caller from acting on a case: colleagues hold every task of the
    /// caller's posts at their department. None keep the department head out, who may release or
    /// reassign them. Empty when nothing keeps the caller out.
    public static func colleaguesHolding(_ tasks: [QueueRow], for caller: Principal) -> [QueueRow] {
        guard !caller.has(.approver), let department = caller.departmentCode else { return [] }
        let roles = Set(StaffPosts.processRoles(for: caller.roles).map(\.rawValue))
        let own = tasks.filter { $0.departmentCode == department && roles.contains($0.role) }
        return !own.isEmpty && own.allSatisfy({ $0.claimedBy != nil && $0.claimedBy != caller.accountID }) ? own : []
    }

    /// Names of the staff holding tasks, by account id, for pages that say who works a task (由 … 办理).
    public func holderNames(_ tasks: [QueueRow]) async throws -> [String: String] {
        var names: [String: String] = [:]
        for id in Set(tasks.compactMap(\.claimedBy)) { names[id] = try await accounts.account(id: id)?.displayName }
        return names
    }

    /// A case's claimed tasks at the caller's department, each with its holder's name, and whether
    /// colleagues' claims keep the caller from acting on it (`checkClaim`).
    public struct CaseClaims: Sendable {
        public struct Held: Sendable { public var task: QueueRow; public var holder: String }
        public var held: [Held]
        public var keepCallerOut: Bool
    }

    public func claims(onCase id: String, for caller: Principal) async throws -> CaseClaims {
        let tasks = try await store.tasks(application: id, on: database.read)
        let held = tasks.filter { $0.departmentCode == caller.departmentCode && $0.claimedBy != nil }
        let names = try await holderNames(held)
        return CaseClaims(held: held.map { CaseClaims.Held(task: $0, holder: $0.claimedBy.flatMap { names[$0] } ?? "") },
                          keepCallerOut: !Self.colleaguesHolding(tasks, for: caller).isEmpty)
    }

    /// Claim, release or (by the department head, 审批负责人) assign the caller department's task on a case.
    /// A claim is for a task of one's own post; the head may release or reassign any task of the department.
    /// A case may hold several tasks of one department (an escalated case: the head's supervision beside
    /// the step's own task), so each change acts on the task it can apply to: a claim on an open task of
    /// the caller's post, a release on a claimed one the caller may release (their own first), an
    /// assignment on the task of the assignee's post. `kind` names the task where that leaves a choice.
    public func changeClaim(id: String, _ change: ClaimChange, task kind: String? = nil, by caller: Principal,
                            actor: AuditActor) async throws -> QueueRow {
        if let kind, TaskKind(rawValue: kind) == nil {
            throw Problem.validation([ApplicationProblem.field("kind", "invalid", "任务类型无效，应为 \(Self.taskKinds)",
                                                               "unknown task kind; one of \(Self.taskKinds)")])
        }
        let roles = Set(StaffPosts.processRoles(for: caller.roles).map(\.rawValue))
        let isHead = caller.has(.approver)
        guard let department = caller.departmentCode else { throw ApplicationProblem.notFound() }
        let departmentTasks = try await store.tasks(application: id, on: database.sql)
            .filter { $0.departmentCode == department && (kind == nil || $0.kind == kind) }
        let own = departmentTasks.filter { roles.contains($0.role) }
        let reachable: [QueueRow] = if case .claim = change { own } else { isHead ? departmentTasks : own }
        guard !reachable.isEmpty else {
            if departmentTasks.isEmpty {
                // A case the caller may read but whose step is elsewhere is no missing case.
                let record = try await visible(id, to: caller)
                throw ApplicationProblem.withState(Problem.conflict(
                    "该办件当前没有本部门的待办任务", "the case has no open task for your department at its current step",
                    issues: [FieldIssue(field: "task", code: "noTaskHere", zh: "本部门当前无此办件的任务", en: "no open task for your department")]),
                    of: record)
            }
            throw Problem(.forbidden, code: "workflow-forbidden", zh: "该任务不属于您的岗位", en: "the task is not for your post")
        }
        // What the claim becomes, what it must be before (nil: unclaimed, unless any holder may be replaced), and its audit entry.
        let task: QueueRow
        let claim: (holder: String?, expected: String?, anyHolder: Bool, audit: String)
        switch change {
        case .claim:
            // The caller's own claim first, then an open task; a task colleagues hold is refused below.
            task = reachable.first(where: { $0.claimedBy == caller.accountID }) ?? reachable.first(where: { $0.claimedBy == nil })
                ?? reachable[0]
            if task.claimedBy == caller.accountID { return task }
            claim = (caller.accountID, nil, false, "application.claim")
        case .release:
            let claimed = reachable.filter { $0.claimedBy != nil }
            guard !claimed.isEmpty else {
                throw try await stated(Problem.conflict("该任务尚未被认领", "the task is not claimed",
                                                        issues: [FieldIssue(field: "claimedBy", code: "notClaimed", zh: "尚未被认领", en: "not claimed")]),
                                       id)
            }
            let releasable = claimed.filter { Self.rights(over: $0, for: caller).release }
            guard !releasable.isEmpty else { throw try await claimedElsewhere(id) }
            task = try releasable.first(where: { $0.claimedBy == caller.accountID }) ?? Self.single(releasable)
            claim = (nil, task.claimedBy, false, "application.release")
        case .assign(let name):
            guard reachable.contains(where: { Self.rights(over: $0, for: caller).assign }) else {
                throw Problem(.forbidden, code: "forbidden", zh: "只有审批负责人可以分派办件", en: "only the department head assigns cases")
            }
            // The head names a colleague by log-in name or by account id.
            var account = try await accounts.account(username: name.lowercased())
            if account == nil { account = try await accounts.account(id: name) }
            let posts = account.map { Set(StaffPosts.processRoles(for: $0.roleSet).map(\.rawValue)) } ?? []
            let fitting = reachable.filter { posts.contains($0.role) }
            guard let account, account.kind == Principal.Kind.staff.rawValue, account.active == 1, account.departmentCode == department,
                  !fitting.isEmpty else {
                throw Problem.validation([ApplicationProblem.field("assignee", "notEligible", "被分派人须为本部门相应岗位的工作人员",
                                                                   "the assignee must hold this post in the department")])
            }
            task = try Self.single(fitting)
            claim = (account.id, nil, true, "application.assign")
        }
        let store = self.store
        let now = self.now
        let changed = try await database.transaction { db in
            guard try await store.setClaim(application: id, department: department, kind: task.kind, to: claim.holder,
                                           expectedHolder: claim.expected, anyHolder: claim.anyHolder, now: now, on: db) else { return false }
            // An action is guarded by the case's version only: the claim makes the version it read stale.
            try await store.bumpVersion(application: id, now: now, on: db)
            try await audit.append(AuditRecord(claim.audit, targetType: "application", targetID: id,
                                               detail: "\(task.kind) \(claim.holder ?? "-")"), actor: actor, on: db)
            return true
        }
        guard changed else { throw try await claimedElsewhere(id) }
        var result = task
        result.claimedBy = claim.holder
        return result
    }

    static let taskKinds = TaskKind.allCases.map(\.rawValue).joined(separator: ", ")

    /// The one task a change applies to; when several fit, the request must name it (`kind`).
    private static func single(_ tasks: [QueueRow]) throws -> QueueRow {
        guard tasks.count > 1 else { return tasks[0] }
        let kinds = tasks.map(\.kind).joined(separator: ", ")
        throw Problem.validation([ApplicationProblem.field("kind", "ambiguous", "该办件有多项可处理的任务，请指明任务类型（\(kinds)）",
                                                           "several tasks fit; name one by kind (\(kinds))")])
    }

    private func claimedElsewhere(_ id: String) async throws -> Problem {
        try await stated(Problem.conflict("办件已被他人认领", "the task is claimed by someone else",
                                          issues: [FieldIssue(field: "claimedBy", code: "claimed", zh: "已被认领", en: "already claimed")]),
                         id)
    }

    /// A refused claim carries the case as it stands, as a refused action does.
    private func stated(_ problem: Problem, _ id: String) async throws -> Problem {
        guard let record = try await store.application(id: id, on: database.read) else { return problem }
        return ApplicationProblem.withState(problem, of: record)
    }

    /// A task claimed by a colleague is theirs to work: acting on it is refused, except by the
    /// department head, who may also release or reassign it.
    func checkClaim(_ record: ApplicationRecord, by caller: Principal) async throws {
        guard record.claimedTasks > 0, !caller.has(.approver) else { return }
        if !Self.colleaguesHolding(try await store.tasks(application: record.id, on: database.read), for: caller).isEmpty {
            throw ApplicationProblem.withState(
                Problem.conflict("办件已由同事认领，请先由其释放或由负责人改派", "the task is claimed by a colleague",
                                 issues: [FieldIssue(field: "claimedBy", code: "claimed", zh: "已被他人认领", en: "claimed by someone else")]),
                of: record)
        }
    }

    public func notices(for caller: Principal, paging: Paging) async throws -> (items: [NoticeRecord], total: Int) {
        try await store.notices(account: caller.accountID, paging: paging, on: database.sql)
    }

    // MARK: - Deadlines

    /// Recomputes warning levels of every open case not yet checked today, escalating overdue
    /// ones to the department head's queue. Rows are claimed first, so several server
    /// processes sweeping at once never handle the same case. Returns the cases checked.
    public func sweep(worker: String, batch: Int = 200) async throws -> Int {
        // Marked with the calendar's revision too: an edited holiday schedule has every open case
        // counted again at the next turn, not the next day.
        let day = "\(today.description) r\(calendars.revision)"
        let now = self.now
        let store = self.store
        var checked = 0
        var failed: [(id: String, error: any Error)] = []
        while true {
            let ids = try await database.transaction { db in
                try await store.claimForSweep(day: day, worker: worker, now: now, until: now + 120_000, limit: batch, on: db)
            }
            if ids.isEmpty {
                if failed.isEmpty { return checked }
                throw SweepFailures(checked: checked, failed: failed.map { ($0.id, String(reflecting: $0.error)) })
            }
            // One case that cannot be counted must not hold up the others, as it did when its error
            // ended the turn: every case claimed after it waited for the claims to lapse, and met it
            // again. It keeps its claim until then, so this turn does not take it up twice.
            for id in ids {
                do {
                    try await recheck(id, worker: worker, day: day)
                    checked += 1
                } catch {
                    failed.append((id, error))
                }
            }
        }
    }

    /// The cases a sweep could not count, reported once the others are done.
    struct SweepFailures: Error, CustomStringConvertible {
        let checked: Int
        let failed: [(id: String, error: String)]
        var description: String {
            "deadline sweep: \(failed.count) case(s) not counted (\(checked) counted): "
                + failed.map { "\($0.id): \($0.error)" }.joined(separator: "; ")
        }
    }

    func recheck(_ id: String, worker: String, day: String) async throws {
        guard let record = try await store.application(id: id, on: database.sql) else { return }
        try await syncCalendar(with: record)
        let engine = try await library.engine(id: record.definitionId, version: record.definitionVersion, on: database.sql)
        let workflowCase = try Self.decode(WorkflowCase.self, record.caseJson)
        let deadlines = engine.deadlines(of: workflowCase, asOf: today, calendar: calendar)
        let level = deadlines.level
        let escalate = Escalation(level: level).escalatesToDepartmentHead && record.escalated == 0
        let warn = level == .warning && record.warningLevel < WarningLevel.warning.rawValue
        var updated = record
        updated.warningLevel = level.rawValue
        updated.dueDate = deadlines.dueDate?.description
        updated.stepDueDate = deadlines.stepDueDate?.description
        if escalate { updated.escalated = 1 }
        // A task's own limit may pass while the case's do not.
        let tasks = scheduledTasks(of: workflowCase, deadlines: deadlines, engine: engine, handlingDepartment: record.handlingDepartment,
                                   escalated: updated.escalated != 0)
        // The step too: rows stored without it (a supervision before acceptance) are put right by the next sweep.
        func key(_ department: String, _ role: String, _ kind: String, _ step: String?, _ due: String?, _ level: Int) -> String {
            [department, role, kind, step ?? "", due ?? "", String(level)].joined(separator: "|")
        }
        let stored = Set(try await store.tasks(application: id, on: database.sql).map {
            key($0.departmentCode, $0.role, $0.kind, $0.step, $0.dueDate, $0.warningLevel)
        })
        let tasksChanged = stored != Set(tasks.map {
            key($0.task.departmentCode, $0.task.role.rawValue, $0.task.kind.rawValue, $0.task.step, $0.dueDate, $0.warningLevel)
        })
        // Tasks are rewritten only with the case's guarded update, so a sweep that read the case
        // before an official's action never puts back the tasks that action replaced.
        let changed = updated.warningLevel != record.warningLevel || updated.dueDate != record.dueDate
            || updated.stepDueDate != record.stepDueDate || escalate || tasksChanged
        if changed { updated.version += 1 }
        let store = self.store
        let now = self.now
        let staged = updated
        var entries: [TimelineRecord] = []
        func entry(_ event: String, _ summary: String) {
            entries.append(TimelineRecord(id: UUID.newID(), applicationId: id, position: record.lastTimelinePosition + 1 + entries.count,
                                          occurredAt: now, caseVersion: workflowCase.version, event: event, summary: summary,
                                          comment: nil, actorId: nil, actorName: "电子监察", actorRole: "system", departmentCode: nil))
        }
        var department: String?
        if warn || escalate, let code = deadlines.governingDepartment {
            department = try await reference.department(code)?.name ?? code
        }
        let limit = Self.limitName(deadlines, department: department)
        let due = deadlines.governingDueDate?.description ?? "-"
        if warn { entry("warning", "预警：\(limit)用时已达 80%（黄牌），截止 \(due)") }
        if escalate { entry("escalated", "超期（红牌）：\(limit)已过（截止 \(due)），已提交部门负责人督办") }
        let timeline = entries
        do {
            try await database.transaction { db in
                if changed {
                    try await store.update(staged, expectedVersion: record.version, on: db)
                    try await store.append(timeline, on: db)
                    if warn || escalate {
                        try await audit.append(AuditRecord(escalate ? "application.escalate" : "application.warning",
                                                           targetType: "application", targetID: id,
                                                           detail: "level=\(level) limit=\(deadlines.governing?.rawValue ?? "-") due=\(due)"),
                                               actor: .system("deadlines", for: record.handlingDepartment), on: db)
                    }
                    try await store.replaceTasks(of: staged, with: tasks, now: now, on: db)
                }
                try await store.finishSweep(application: id, worker: worker, day: day, on: db)
            }
        } catch is StaleWrite {
            // An official acted meanwhile: the row stays claimed; the claim expires and it is checked again.
        }
    }

    /// The limit a warning is about, as the timeline names it.
    static func limitName(_ deadlines: CaseDeadlines, department: String?) -> String {
        switch deadlines.governing {
        case .department: "\(department ?? deadlines.governingDepartment ?? "")联合审查意见时限"
        case .step: "本环节办理时限"
        case .whole, nil: "办件时限"
        }
    }
}
