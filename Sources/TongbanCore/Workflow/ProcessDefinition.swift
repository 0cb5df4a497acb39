import Foundation

/// A post (岗位) that may act on a case. Open-ended because each department names its own
/// posts; the constants are the ones the standard definitions use.
public struct ProcessRole: RawRepresentable, Hashable, Sendable, Codable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }

    /// The citizen or organisation that filed the application.
    public static let applicant: ProcessRole = "applicant"
    /// 受理人员: the front-desk (窗口) official.
    public static let acceptor: ProcessRole = "acceptor"
    /// 审查人员
    public static let reviewer: ProcessRole = "reviewer"
    /// 决定人员: the official who signs the decision.
    public static let decisionMaker: ProcessRole = "decisionMaker"

    /// For messages; a department's own post names itself.
    public var nameZh: String {
        switch self {
        case .applicant: "申请人"
        case .acceptor: "受理人员"
        case .reviewer: "审查人员"
        case .decisionMaker: "决定人员"
        default: rawValue
        }
    }
}

public enum StepKind: String, Sendable, Codable, CaseIterable {
    case acceptance, review, jointReview, decision, conclusion, delivery
}

public enum ActionKind: String, Sendable, Codable, CaseIterable {
    case submit, accept, refuseToAccept, requestSupplement, resubmit
    case approve, reject, returnToPreviousStep, conclude, deliver, withdraw
    case giveOpinion, suspend, resume

    /// As pages and messages name the action.
    public var nameZh: String {
        switch self {
        case .accept: "受理"
        case .refuseToAccept: "不予受理"
        case .requestSupplement: "一次性告知补正"
        case .approve: "通过 / 准予"
        case .reject: "不通过 / 不予许可"
        case .returnToPreviousStep: "退回上一环节"
        case .conclude: "办结"
        case .deliver: "送达"
        case .giveOpinion: "提交联合审查意见"
        case .suspend: "暂停计时"
        case .resume: "恢复计时"
        case .submit: "提交"
        case .resubmit: "重新提交"
        case .withdraw: "撤回"
        }
    }

    /// Taken by the applicant on their own case; a definition cannot grant them to staff.
    public var isApplicantAction: Bool { [.submit, .resubmit, .withdraw].contains(self) }

    /// The action whose roles govern this one: whoever may suspend a clock may resume it.
    var permission: ActionKind { self == .resume ? .suspend : self }

    var allowedStepKinds: Set<StepKind> {
        switch self {
        case .accept, .refuseToAccept: [.acceptance]
        case .requestSupplement: [.acceptance, .review, .jointReview]
        case .approve, .reject: [.review, .jointReview, .decision]
        case .returnToPreviousStep, .suspend: [.review, .jointReview, .decision]
        case .giveOpinion: [.jointReview]
        case .conclude: [.conclusion]
        case .deliver: [.delivery]
        case .submit, .resubmit, .withdraw, .resume: []
        }
    }

    /// Actions that move the case along a transition.
    var movesCase: Bool { [.accept, .approve, .reject, .conclude, .deliver].contains(self) }

    /// Moving actions that may end the case instead (a transition with no next step).
    var mayEndCase: Bool { self == .conclude || self == .deliver }
}

/// How a joint review's opinions combine: all must agree (AND) or one suffices (ANY).
public enum JoinMode: String, Sendable, Codable {
    case all, any
}

public struct JointParticipant: Sendable, Codable, Equatable {
    public var departmentCode: String
    /// This department's own limit for giving its opinion, in working days.
    public var timeLimit: Int

    public init(departmentCode: String, timeLimit: Int) {
        self.departmentCode = departmentCode
        self.timeLimit = timeLimit
    }
}

public struct JointReview: Sendable, Codable, Equatable {
    public var participants: [JointParticipant]
    public var joinMode: JoinMode
    /// 牵头部门: the only department that closes the joint review.
    public var leadDepartment: String

    public init(participants: [JointParticipant], joinMode: JoinMode, leadDepartment: String) {
        self.participants = participants
        self.joinMode = joinMode
        self.leadDepartment = leadDepartment
    }
}

public struct StepAction: Sendable, Codable, Equatable {
    public var kind: ActionKind
    public var roles: [ProcessRole]
    /// The step the case moves to; nil on a closing `conclude`/`deliver`, which ends the case.
    public var next: String?

    public init(_ kind: ActionKind, roles: [ProcessRole], next: String? = nil) {
        self.kind = kind
        self.roles = roles
        self.next = next
    }
}

public struct Step: Sendable, Codable, Equatable {
    public var id: String
    public var name: String
    public var kind: StepKind
    /// Working days this step may take.
    public var timeLimit: Int
    /// When set, only staff of this department act at this step (e.g. the lead's decision).
    public var department: String?
    public var actions: [StepAction]
    public var jointReview: JointReview?

    public init(id: String, name: String, kind: StepKind, timeLimit: Int, department: String? = nil,
                actions: [StepAction], jointReview: JointReview? = nil) {
        self.id = id
        self.name = name
        self.kind = kind
        self.timeLimit = timeLimit
        self.department = department
        self.actions = actions
        self.jointReview = jointReview
    }

    public func action(_ kind: ActionKind) -> StepAction? { actions.first { $0.kind == kind } }
}

/// How an item's applications move (流程): stored as versioned JSON and edited by
/// administrators, hence `validate()` before any case runs on it.
public struct ProcessDefinition: Sendable, Codable, Equatable {
    public static let currentSchemaVersion = 1

    /// Version of this JSON format.
    public var schemaVersion: Int
    public var id: String
    /// Revision of this definition; a case keeps running on the revision it started with.
    public var version: Int
    public var name: String
    /// Whole-case limit in working days from acceptance (statutory or promised).
    public var timeLimit: Int
    public var initialStep: String
    public var steps: [Step]

    public init(id: String, version: Int = 1, name: String, timeLimit: Int, initialStep: String, steps: [Step],
                schemaVersion: Int = ProcessDefinition.currentSchemaVersion) {
        self.schemaVersion = schemaVersion
        self.id = id
        self.version = version
        self.name = name
        self.timeLimit = timeLimit
        self.initialStep = initialStep
        self.steps = steps
    }

    private enum CodingKeys: String, CodingKey { case schemaVersion, id, version, name, timeLimit, initialStep, steps }

    /// `version` and `schemaVersion` may be left out: an administrator publishing a definition
    /// does not choose its revision (the server assigns it), and the format has one version.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(id: try c.decode(String.self, forKey: .id), version: try c.decodeIfPresent(Int.self, forKey: .version) ?? 1,
                  name: try c.decode(String.self, forKey: .name), timeLimit: try c.decode(Int.self, forKey: .timeLimit),
                  initialStep: try c.decode(String.self, forKey: .initialStep), steps: try c.decode([Step].self, forKey: .steps),
                  schemaVersion: try c.decodeIfPresent(Int.self, forKey: .schemaVersion) ?? ProcessDefinition.currentSchemaVersion)
    }

    public func step(_ id: String) -> Step? { steps.first { $0.id == id } }

    /// Decodes stored JSON and validates it, reporting both kinds of problem as issues.
    public static func decode(json: Data) throws(ValidationFailure) -> ProcessDefinition {
        let definition: ProcessDefinition
        do {
            definition = try JSONDecoder().decode(ProcessDefinition.self, from: json)
        } catch {
            throw ValidationFailure(.decoding(error))
        }
        try definition.validate()
        return definition
    }

    public func validate() throws(ValidationFailure) {
        var issues = IssueCollector()
        if schemaVersion != ProcessDefinition.currentSchemaVersion {
            issues.add(FieldIssue(field: "schemaVersion", code: "unsupported",
                                  zh: "不支持的流程格式版本 \(schemaVersion)",
                                  en: "unsupported process format version \(schemaVersion)"))
        }
        if id.workflowIsBlank { issues.add(.required("id")) }
        if name.workflowIsBlank { issues.add(.required("name")) }
        if version < 1 { issues.add(.notPositive("version")) }
        if let issue = FieldIssue.timeLimit("timeLimit", timeLimit) { issues.add(issue) }
        if steps.isEmpty { issues.add(.required("steps")) }

        var indexByID: [String: Int] = [:]
        for (i, step) in steps.enumerated() {
            if step.id.workflowIsBlank {
                issues.add(.required("steps/\(i)/id"))
            } else if indexByID[step.id] != nil {
                issues.add(FieldIssue(field: "steps/\(i)/id", code: "duplicate",
                                      zh: "环节编号 \(step.id) 重复", en: "step id \(step.id) is used twice"))
            } else {
                indexByID[step.id] = i
            }
        }
        if let initial = indexByID[initialStep] {
            if steps[initial].kind != .acceptance {
                issues.add(FieldIssue(field: "initialStep", code: "notAcceptance",
                                      zh: "首个环节必须是受理环节", en: "the initial step must be an acceptance step"))
            }
        } else {
            issues.add(.unknownStep("initialStep", initialStep))
        }
        for (i, step) in steps.enumerated() {
            issues.add(contentsOf: step.issues(at: "steps/\(i)", knownSteps: indexByID))
        }
        issues.add(contentsOf: graphIssues(indexByID: indexByID))
        if !issues.issues.isEmpty { throw ValidationFailure(issues.issues) }
    }

    /// Rules for a definition about to be published, beyond what every stored one must satisfy
    /// (`validate`, which the engine runs too: definitions published before these rules keep
    /// working). Limits nest — a review or decision step within the whole case's limit, a
    /// joint-review department within its step's (the steps after the decision, 办结 and 送达,
    /// run on their own statutory days) — ids are short words, shown and stored everywhere, the
    /// actions the law obliges are offered, and no case can come to rest where nothing moves it.
    public var publicationIssues: [FieldIssue] {
        var issues: [FieldIssue] = []
        func checkID(_ field: String, _ value: String) {
            let allowed = value.unicodeScalars.allSatisfy {
                CharacterSet.alphanumerics.contains($0) && $0.isASCII || "-_.".unicodeScalars.contains($0)
            }
            if !value.isEmpty, value.count > 64 || !allowed {
                issues.append(FieldIssue(field: field, code: "format", zh: "\(field) 只能由不超过 64 个字母、数字和 - _ . 组成",
                                         en: "\(field) must be at most 64 letters, digits, '-', '_' or '.'"))
            }
        }
        checkID("id", id)
        if name.count > 100 { issues.append(FieldIssue(field: "name", code: "tooLong", zh: "流程名称不能超过 100 个字", en: "name must be at most 100 characters")) }
        for (i, step) in steps.enumerated() {
            checkID("steps/\(i)/id", step.id)
            if step.name.count > 50 {
                issues.append(FieldIssue(field: "steps/\(i)/name", code: "tooLong", zh: "环节名称不能超过 50 个字", en: "a step name must be at most 50 characters"))
            }
            if [.review, .jointReview, .decision].contains(step.kind), step.timeLimit > timeLimit {
                issues.append(FieldIssue(field: "steps/\(i)/timeLimit", code: "exceedsCaseLimit",
                                         zh: "环节“\(step.name)”的时限（\(step.timeLimit) 个工作日）超过整个办件的时限（\(timeLimit) 个工作日）",
                                         en: "step \(step.id) has \(step.timeLimit) working days, more than the case's \(timeLimit)"))
            }
            for (k, participant) in (step.jointReview?.participants ?? []).enumerated() where participant.timeLimit > step.timeLimit {
                issues.append(FieldIssue(field: "steps/\(i)/jointReview/participants/\(k)/timeLimit", code: "exceedsStepLimit",
                                         zh: "部门 \(participant.departmentCode) 的时限（\(participant.timeLimit) 个工作日）超过联合审查环节的时限（\(step.timeLimit) 个工作日）",
                                         en: "department \(participant.departmentCode) has \(participant.timeLimit) working days, more than its step's \(step.timeLimit)"))
            }
        }
        return issues + statutoryActionIssues + standstillIssues
    }

    /// What 《行政许可法》 obliges every process to allow: at acceptance, refusing an application
    /// outside the office's competence and the one-time notice for incomplete materials
    /// (第三十二条); at the decision, refusing an application that does not qualify (第三十八条).
    private var statutoryActionIssues: [FieldIssue] {
        var issues: [FieldIssue] = []
        for (i, step) in steps.enumerated() {
            switch step.kind {
            case .acceptance:
                if step.action(.refuseToAccept) == nil {
                    issues.append(FieldIssue(field: "steps/\(i)/actions/refuseToAccept", code: "required",
                                             zh: "受理环节“\(step.name)”须配置 refuseToAccept（不予受理）：不属于本机关职权范围等情形应当作出不予受理的决定（《中华人民共和国行政许可法》第三十二条）",
                                             en: "acceptance step \(step.id) must offer refuseToAccept: an application outside the office's competence is refused (Administrative Licensing Law, art. 32)"))
                }
                if step.action(.requestSupplement) == nil {
                    issues.append(FieldIssue(field: "steps/\(i)/actions/requestSupplement", code: "required",
                                             zh: "受理环节“\(step.name)”须配置 requestSupplement（一次性告知补正）：申请材料不齐全的，应当一次告知需要补正的全部内容（《中华人民共和国行政许可法》第三十二条）",
                                             en: "acceptance step \(step.id) must offer requestSupplement: incomplete materials are answered with a one-time notice of all that is missing (Administrative Licensing Law, art. 32)"))
                }
            case .decision where step.action(.reject) == nil:
                issues.append(FieldIssue(field: "steps/\(i)/actions/reject", code: "required",
                                         zh: "决定环节“\(step.name)”须配置 reject（不予许可）：不符合法定条件、标准的，应当作出不予行政许可的书面决定（《中华人民共和国行政许可法》第三十八条）",
                                         en: "decision step \(step.id) must offer reject: an application that does not meet the statutory conditions is refused in writing (Administrative Licensing Law, art. 38)"))
            default:
                break
            }
        }
        return issues
    }

    /// Places a case could reach where no action moves it on, though every step has a way to
    /// an end (`validate`). The engine takes approve and reject only before the decision (the
    /// case accepted), conclude and deliver only after it, accept only at intake; and it
    /// refuses to approve against a joint review that disagreed (contradictsJointResult), at
    /// the joint review and at every step after it — and a joint review can always disagree
    /// (AND: one 不同意, ANY: all). So the transitions are followed from acceptance, knowing
    /// whether the decision is taken and whether a joint review lies behind; a step entered in
    /// the wrong phase is named by the action leading there, and a step where a disagreeing
    /// joint review leaves only approve is named itself. A return counts as a way on where a
    /// step lies behind the case (always, after a joint review; not at the first step after
    /// acceptance, where the engine answers noPreviousStep).
    private var standstillIssues: [FieldIssue] {
        var indexByID: [String: Int] = [:]
        for (i, step) in steps.enumerated() where indexByID[step.id] == nil { indexByID[step.id] = i }
        guard let initial = indexByID[initialStep], steps[initial].kind == .acceptance,
              let acceptIndex = steps[initial].actions.firstIndex(where: { $0.kind == .accept }) else { return [] }
        struct Visit: Hashable { var step: Int; var decided: Bool; var afterJointReview: Bool }
        var issues: [FieldIssue] = []
        var named = Set<String>()
        func add(_ issue: FieldIssue) { if named.insert(issue.field).inserted { issues.append(issue) } }
        var seen = Set<Visit>()
        var pending: [Visit] = []
        let first = steps[initial].actions[acceptIndex].next.flatMap { indexByID[$0] }
        /// Enters `target` along action `j` of step `from`; a step that could take no action there is named instead.
        func enter(_ target: String?, from: Int, action j: Int, decided: Bool, afterJointReview: Bool) {
            guard let index = target.flatMap({ indexByID[$0] }) else { return }
            let target = steps[index], kind = target.kind
            let action = steps[from].actions[j].kind.rawValue
            let field = "steps/\(from)/actions/\(j)/next"
            if decided, ![.conclusion, .delivery].contains(kind) {
                add(FieldIssue(field: field, code: "enteredAfterDecision",
                               zh: "动作 \(action) 在作出决定后进入环节“\(target.name)”（\(target.id)），案件将停在该环节无法继续：决定之后只能进入办结或送达环节",
                               en: "action \(action) enters step \(target.id) after the decision, where the case could never move on: only conclusion and delivery steps follow a decision"))
            } else if !decided, kind == .acceptance {
                add(FieldIssue(field: field, code: "reentersAcceptance",
                               zh: "动作 \(action) 在受理后再次进入受理环节“\(target.name)”（\(target.id)），案件将停在该环节无法继续：受理只能是首个环节",
                               en: "action \(action) enters acceptance step \(target.id) after acceptance, where the case could never move on: acceptance is only the first step"))
            } else if !decided, [.conclusion, .delivery].contains(kind) {
                add(FieldIssue(field: field, code: "enteredBeforeDecision",
                               zh: "动作 \(action) 在作出决定前进入环节“\(target.name)”（\(target.id)），案件将停在该环节无法继续：办结、送达只能在决定之后",
                               en: "action \(action) enters step \(target.id) before any decision, where the case could never move on: conclusion and delivery follow a decision"))
            } else {
                let visit = Visit(step: index, decided: decided, afterJointReview: afterJointReview)
                if seen.insert(visit).inserted { pending.append(visit) }
            }
        }
        enter(steps[initial].actions[acceptIndex].next, from: initial, action: acceptIndex, decided: false, afterJointReview: false)
        while let visit = pending.popLast() {
            let step = steps[visit.step]
            if visit.decided {
                for (j, action) in step.actions.enumerated() where action.kind == .conclude || action.kind == .deliver {
                    enter(action.next, from: visit.step, action: j, decided: true, afterJointReview: visit.afterJointReview)
                }
                continue
            }
            let isJoint = step.kind == .jointReview
            if isJoint || visit.afterJointReview, step.action(.reject) == nil {
                let hasPrevious = visit.afterJointReview || visit.step != first
                if !(hasPrevious && step.action(.returnToPreviousStep) != nil) {
                    let returnClause = hasPrevious
                        ? (zh: "或 returnToPreviousStep（退回上一环节）", en: " or returnToPreviousStep")
                        : (zh: "（它是受理后的第一个环节，无法退回）", en: " (it is the first step after acceptance, so nothing to return to)")
                    add(FieldIssue(field: "steps/\(visit.step)", code: "stuckAfterDisagreement",
                                   zh: "联合审查意见不一致时，环节“\(step.name)”（\(step.id)）没有可执行的动作：不能作出与联合审查结果相反的通过，须同时配置 reject（不通过 / 不予许可）\(returnClause.zh)",
                                   en: "step \(step.id) offers no way on once a joint review disagrees: approve is refused against the joint result, so it must also offer reject\(returnClause.en)"))
                }
            }
            for (j, action) in step.actions.enumerated() where action.kind == .approve || action.kind == .reject {
                enter(action.next, from: visit.step, action: j, decided: step.kind == .decision,
                      afterJointReview: visit.afterJointReview || isJoint)
            }
        }
        return issues
    }

    /// Dead steps, steps from which the case can never end, and a missing decision.
    private func graphIssues(indexByID: [String: Int]) -> [FieldIssue] {
        guard let initial = indexByID[initialStep] else { return [] }
        var successors = Array(repeating: [Int](), count: steps.count)
        var predecessors = Array(repeating: [Int](), count: steps.count)
        var ending: [Int] = []
        for (i, step) in steps.enumerated() where indexByID[step.id] == i {
            for action in step.actions where action.kind.movesCase {
                if let next = action.next, let j = indexByID[next] {
                    successors[i].append(j)
                    predecessors[j].append(i)
                } else if action.next == nil, action.kind.mayEndCase {
                    ending.append(i)
                }
            }
        }
        let reachable = Self.closure(from: [initial], along: successors)
        let canEnd = Self.closure(from: ending, along: predecessors)
        var issues: [FieldIssue] = []
        for i in steps.indices where indexByID[steps[i].id] == i {
            if !reachable.contains(i) {
                issues.append(FieldIssue(field: "steps/\(i)", code: "unreachable",
                                         zh: "环节 \(steps[i].id) 无法到达", en: "step \(steps[i].id) can never be reached"))
            } else if !canEnd.contains(i) {
                issues.append(FieldIssue(field: "steps/\(i)", code: "noReachableEnd",
                                         zh: "从环节 \(steps[i].id) 无法到达办结", en: "no end can be reached from step \(steps[i].id)"))
            }
        }
        if !reachable.contains(where: { steps[$0].kind == .decision }) {
            issues.append(FieldIssue(field: "steps", code: "noDecision",
                                     zh: "流程缺少可到达的决定环节", en: "no reachable decision step"))
        }
        return issues
    }

    private static func closure(from start: [Int], along edges: [[Int]]) -> Set<Int> {
        var seen = Set(start)
        var pending = start
        while let node = pending.popLast() {
            for next in edges[node] where seen.insert(next).inserted { pending.append(next) }
        }
        return seen
    }
}

extension Step {
    fileprivate func issues(at path: String, knownSteps: [String: Int]) -> [FieldIssue] {
        var issues: [FieldIssue] = []
        if name.workflowIsBlank { issues.append(.required("\(path)/name")) }
        if let issue = FieldIssue.timeLimit("\(path)/timeLimit", timeLimit) { issues.append(issue) }
        var seenKinds = Set<ActionKind>()
        for (j, action) in actions.enumerated() {
            let actionPath = "\(path)/actions/\(j)"
            if !seenKinds.insert(action.kind).inserted {
                issues.append(FieldIssue(field: "\(actionPath)/kind", code: "duplicate",
                                         zh: "动作 \(action.kind.rawValue) 重复", en: "action \(action.kind.rawValue) appears twice"))
            }
            if !action.kind.allowedStepKinds.contains(kind) {
                issues.append(FieldIssue(field: "\(actionPath)/kind", code: "actionNotAllowedInStep",
                                         zh: "\(kind.rawValue) 环节不能配置动作 \(action.kind.rawValue)",
                                         en: "action \(action.kind.rawValue) is not allowed in a \(kind.rawValue) step"))
            }
            if action.roles.allSatisfy({ $0.rawValue.workflowIsBlank }) {
                issues.append(FieldIssue(field: "\(actionPath)/roles", code: "noRole",
                                         zh: "动作 \(action.kind.rawValue) 未指定可执行的角色",
                                         en: "action \(action.kind.rawValue) has no role that may take it"))
            }
            if let next = action.next {
                if !action.kind.movesCase {
                    issues.append(FieldIssue(field: "\(actionPath)/next", code: "unexpected",
                                             zh: "动作 \(action.kind.rawValue) 不流转环节",
                                             en: "action \(action.kind.rawValue) does not move the case"))
                } else if knownSteps[next] == nil {
                    issues.append(.unknownStep("\(actionPath)/next", next))
                }
            } else if action.kind.movesCase, !action.kind.mayEndCase {
                issues.append(.required("\(actionPath)/next"))
            }
        }
        switch (kind, jointReview) {
        case (.jointReview, nil):
            issues.append(.required("\(path)/jointReview"))
        case (.jointReview, let joint?):
            issues.append(contentsOf: joint.issues(at: "\(path)/jointReview"))
            if action(.giveOpinion) == nil { issues.append(.required("\(path)/actions/giveOpinion")) }
        case (_, .some):
            issues.append(FieldIssue(field: "\(path)/jointReview", code: "unexpected",
                                     zh: "只有联合审查环节可以配置参与部门",
                                     en: "only a joint review step has participants"))
        case (_, nil):
            break
        }
        return issues
    }
}

extension JointReview {
    fileprivate func issues(at path: String) -> [FieldIssue] {
        var issues: [FieldIssue] = []
        if participants.count < 2 {
            issues.append(FieldIssue(field: "\(path)/participants", code: "tooFew",
                                     zh: "联合审查至少需要两个部门", en: "a joint review needs at least two departments"))
        }
        var seen = Set<String>()
        for (k, participant) in participants.enumerated() {
            let field = "\(path)/participants/\(k)"
            if participant.departmentCode.workflowIsBlank {
                issues.append(.required("\(field)/departmentCode"))
            } else if !seen.insert(participant.departmentCode).inserted {
                issues.append(FieldIssue(field: "\(field)/departmentCode", code: "duplicate",
                                         zh: "部门 \(participant.departmentCode) 重复", en: "department \(participant.departmentCode) appears twice"))
            }
            if let issue = FieldIssue.timeLimit("\(field)/timeLimit", participant.timeLimit) { issues.append(issue) }
        }
        if !seen.contains(leadDepartment) {
            issues.append(FieldIssue(field: "\(path)/leadDepartment", code: "notParticipant",
                                     zh: "牵头部门必须是参与部门之一", en: "the lead department must be a participant"))
        }
        return issues
    }
}

extension FieldIssue {
    fileprivate static func notPositive(_ field: String) -> FieldIssue {
        FieldIssue(field: field, code: "notPositive", zh: "\(field) 必须为正整数", en: "\(field) must be a positive integer")
    }

    fileprivate static func timeLimit(_ field: String, _ days: Int) -> FieldIssue? {
        if days < 1 { return .notPositive(field) }
        let most = WorkingCalendar.timeLimits.upperBound
        if days > most {
            return FieldIssue(field: field, code: "range", zh: "\(field) 不能超过 \(most) 个工作日",
                              en: "\(field) must be at most \(most) working days")
        }
        return nil
    }

    fileprivate static func unknownStep(_ field: String, _ id: String) -> FieldIssue {
        FieldIssue(field: field, code: "unknownStep", zh: "环节 \(id) 不存在", en: "step \(id) does not exist")
    }
}
