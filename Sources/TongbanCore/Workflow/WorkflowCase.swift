import Foundation

public enum CaseState: Sendable, Equatable, Codable {
    case draft
    case submitted
    /// Accepted (受理) and being handled in the given step, not yet decided.
    case accepted(step: String)
    /// Waiting for the applicant's materials; `step` is nil when asked before acceptance.
    case supplementRequested(step: String?)
    /// 不予受理
    case rejectedAtIntake
    /// Decided, and in the given follow-up step (办结, 送达).
    case approved(step: String)
    case rejected(step: String)
    case concluded
    case withdrawn

    /// For messages: the state and, where it has one, its step (`accepted at jointReview`).
    public var name: String {
        let kind = switch self {
        case .draft: "draft"
        case .submitted: "submitted"
        case .accepted: "accepted"
        case .supplementRequested: "supplementRequested"
        case .rejectedAtIntake: "rejectedAtIntake"
        case .approved: "approved"
        case .rejected: "rejected"
        case .concluded: "concluded"
        case .withdrawn: "withdrawn"
        }
        return step.map { "\(kind) at \($0)" } ?? kind
    }

    /// The step the case is at, once accepted.
    public var step: String? {
        switch self {
        case .accepted(let step), .approved(let step), .rejected(let step): step
        case .supplementRequested(let step): step
        case .draft, .submitted, .rejectedAtIntake, .concluded, .withdrawn: nil
        }
    }

    /// No action applies any more.
    public var isFinal: Bool {
        switch self {
        case .rejectedAtIntake, .concluded, .withdrawn: true
        default: false
        }
    }
}

/// Whoever takes an action: a post and, for staff, the department they act for.
public struct WorkflowActor: Sendable, Hashable, Codable {
    public var role: ProcessRole
    public var departmentCode: String?

    public init(role: ProcessRole, departmentCode: String?) {
        self.role = role
        self.departmentCode = departmentCode
    }

    /// The applicant; the server checks it is this case's applicant before calling the engine.
    public static let applicant = WorkflowActor(role: .applicant, departmentCode: nil)
}

public enum Verdict: String, Sendable, Codable {
    case agree, disagree
}

public struct JointOpinion: Sendable, Codable, Equatable {
    public var verdict: Verdict
    public var comment: String

    public init(_ verdict: Verdict, comment: String) {
        self.verdict = verdict
        self.comment = comment
    }
}

public enum JoinResult: String, Sendable, Codable {
    case pending, agreed, disagreed

    /// AND: one disagreement settles it as disagreed, agreement needs everyone.
    /// ANY: one agreement settles it as agreed, disagreement needs everyone.
    public static func evaluate(_ mode: JoinMode, participants: [String], verdicts: [String: Verdict]) -> JoinResult {
        let given = participants.compactMap { verdicts[$0] }
        let (decisive, other): (Verdict, JoinResult) = mode == .all ? (.disagree, .agreed) : (.agree, .disagreed)
        if given.contains(decisive) { return decisive == .agree ? .agreed : .disagreed }
        return given.count == participants.count ? other : .pending
    }
}

public struct Decision: Sendable, Codable, Equatable {
    public enum Outcome: String, Sendable, Codable {
        case approved, rejected
    }

    public var outcome: Outcome
    /// Required for a rejection: the applicant is entitled to the reasons and the legal basis.
    public var reason: String?
    public var legalBasis: String?
    public var departmentCode: String?
    public var date: CivilDate
}

/// One application as the workflow sees it. The engine is the only writer; the server
/// stores it whole and compares `version` to detect concurrent edits.
public struct WorkflowCase: Sendable, Codable, Equatable {
    public let id: String
    public let definitionID: String
    public let definitionVersion: Int
    public internal(set) var state: CaseState = .draft
    /// Incremented by every applied action, for optimistic concurrency.
    public internal(set) var version = 0
    /// The whole-case limit, running from acceptance.
    public internal(set) var clock: CaseClock?
    /// The current step's limit (before acceptance: the intake period).
    public internal(set) var stepClock: CaseClock?
    /// Steps entered since acceptance, the last being the current one; walked back by
    /// `returnToPreviousStep`.
    public internal(set) var stepPath: [String] = []
    /// Opinions of the current or last joint review, by department code.
    public internal(set) var opinions: [String: JointOpinion] = [:]
    /// What the one-time notice (一次性告知) asked for, until the applicant resubmits.
    public internal(set) var outstandingMaterials: [String] = []
    public internal(set) var supplementNoticeSent = false
    public internal(set) var decision: Decision?
    public internal(set) var lastActionOn: CivilDate?

    public init(id: String, definition: ProcessDefinition) {
        self.id = id
        self.definitionID = definition.id
        self.definitionVersion = definition.version
    }
}

public struct WorkflowEvent: Sendable, Codable, Equatable {
    public enum Kind: Sendable, Codable, Equatable {
        case submitted
        case accepted
        case refusedAtIntake(reason: String)
        case supplementRequested(materials: [String])
        case resubmitted
        case stepEntered(String)
        /// A review step's conclusion, passed on to the next step.
        case recommended(Decision.Outcome, reason: String?, legalBasis: String?)
        case decided(Decision)
        case returned(from: String, to: String, reason: String)
        case opinionGiven(department: String, JointOpinion)
        case jointReviewSettled(JoinResult)
        case clockPaused(PauseReason)
        case clockResumed
        case delivered
        case concluded
        case withdrawn
    }

    public var kind: Kind
    public var actor: WorkflowActor
    public var date: CivilDate
    /// The case version this event produced.
    public var caseVersion: Int
}

public enum WorkflowError: Error, Sendable, Equatable {
    case definitionMismatch(case: String, definition: String)
    case dateOutOfOrder(last: CivilDate, given: CivilDate)
    case notAllowedInState(action: ActionKind, state: CaseState)
    case roleNotPermitted(role: ProcessRole, action: ActionKind)
    case departmentNotPermitted(department: String?, step: String)
    case departmentNotParticipant(department: String?)
    case notLeadDepartment(department: String?)
    case opinionAlreadyGiven(department: String)
    case jointReviewPending
    /// An opinion offered after the review settled where no further opinion counts (ANY).
    case jointReviewSettled(JoinResult)
    case contradictsJointResult
    /// Every input the action lacks or gets wrong (`CaseAction.inputIssues`).
    case invalidInput([InputIssue])
    case supplementAlreadyRequested
    case noPreviousStep
    /// `suspend(.supplement)`: a supplement must go through the one-time notice instead.
    case supplementNeedsNotice
    case clockSuspended(PauseReason)
    case clockNotSuspended

    /// The error worded for the person who tried the action: one issue for each input at
    /// fault, or one about the action itself.
    public var issues: [FieldIssue] {
        switch self {
        case .definitionMismatch(let c, let d):
            [issue("definitionMismatch", "办件所用流程 \(c) 与当前流程 \(d) 不一致", "case runs on \(c), not \(d)")]
        case .dateOutOfOrder(let last, let given):
            [issue("dateOutOfOrder", "操作日期 \(given) 早于上次操作 \(last)", "date \(given) is before the last action on \(last)")]
        case .notAllowedInState(let action, let state):
            [issue("notAllowedInState", "当前状态下不能执行“\(action.nameZh)”", "\(action.rawValue) is not allowed in state \(state.name)")]
        case .roleNotPermitted(let role, let action):
            [issue("roleNotPermitted", "\(role.nameZh)无权执行“\(action.nameZh)”", "role \(role) may not \(action.rawValue)")]
        case .departmentNotPermitted(let department, let step):
            [issue("departmentNotPermitted", "部门 \(department ?? "-") 不能办理环节 \(step)", "department \(department ?? "-") may not act at step \(step)")]
        case .departmentNotParticipant(let department):
            [issue("departmentNotParticipant", "部门 \(department ?? "-") 不是联合审查参与部门", "department \(department ?? "-") is not a joint review participant")]
        case .notLeadDepartment(let department):
            [issue("notLeadDepartment", "只有牵头部门可以作出决定，\(department ?? "-") 不是牵头部门", "only the lead department decides; \(department ?? "-") is not it")]
        case .opinionAlreadyGiven(let department):
            [issue("opinionAlreadyGiven", "部门 \(department) 已提交意见", "department \(department) has already given its opinion")]
        case .jointReviewPending:
            [issue("jointReviewPending", "联合审查意见尚未汇总完毕", "the joint review opinions are not all in")]
        case .jointReviewSettled(let result):
            [issue("jointReviewSettled", "联合审查意见已汇总（\(result == .agreed ? "同意" : "不同意")），不再接受意见",
                   "the joint review has already settled (\(result.rawValue)); no further opinions are taken")]
        case .contradictsJointResult:
            [issue("contradictsJointResult", "联合审查结论为不同意，不能通过", "the joint review disagreed; it cannot be approved")]
        case .invalidInput(let inputs):
            inputs.map(\.issue)
        case .supplementAlreadyRequested:
            [issue("supplementAlreadyRequested", "补正应一次性告知，本件已告知过", "the one-time supplement notice was already sent")]
        case .noPreviousStep:
            [issue("noPreviousStep", "没有可退回的上一环节", "there is no previous step to return to")]
        case .supplementNeedsNotice:
            [issue("supplementNeedsNotice", "补正须通过一次性告知发起", "a supplement is requested through the one-time notice")]
        case .clockSuspended(let reason):
            [issue("clockSuspended", "办件因\(reason.nameZh)暂停计时中", "the case is suspended for \(reason.rawValue)")]
        case .clockNotSuspended:
            [issue("clockNotSuspended", "办件未暂停计时", "the case is not suspended")]
        }
    }

    /// A refusal of the action itself, not of one of its inputs: it names the `action` field.
    private func issue(_ code: String, _ zh: String, _ en: String) -> FieldIssue {
        FieldIssue(field: "action", code: code, zh: zh, en: en)
    }
}

/// An input an action takes from the official.
public enum WorkflowInput: String, Sendable, Codable {
    case reason, legalBasis, materials, comment
}

public enum InputIssue: Sendable, Equatable {
    case missing(WorkflowInput)
    case blankMaterial(index: Int)
    case duplicateMaterial(String)

    public var issue: FieldIssue {
        switch self {
        case .missing(.reason):
            FieldIssue.required("reason").with(zh: "必须说明理由", en: "a reason is required")
        case .missing(.legalBasis):
            FieldIssue.required("legalBasis").with(zh: "必须说明法律依据", en: "the legal basis is required")
        case .missing(.materials):
            FieldIssue.required("materials").with(zh: "补正告知必须列明全部需补正的材料", en: "list every material to supplement")
        case .missing(.comment):
            FieldIssue.required("comment").with(zh: "不同意须说明理由", en: "a disagreement needs a comment")
        case .blankMaterial(let index):
            FieldIssue.required("materials/\(index)")
        case .duplicateMaterial(let name):
            FieldIssue(field: "materials", code: "duplicate", zh: "材料 \(name) 重复列出", en: "material \(name) is listed twice")
        }
    }
}

extension FieldIssue {
    fileprivate func with(zh: String, en: String) -> FieldIssue {
        FieldIssue(field: field, code: code, zh: zh, en: en)
    }
}

extension WorkflowCase {
    /// The case without the opinions and the counters every action moves, as stored JSON:
    /// equal for an earlier and a later read of a case exactly when nothing but opinions came
    /// between them (the opinions themselves the engine checks). A page keeps it (as a digest)
    /// where it cannot keep the whole case it showed.
    public var opinionIndependentJSON: String {
        var normalized = self
        normalized.opinions = [:]
        normalized.version = 0
        normalized.lastActionOn = nil
        return normalized.storedJSON
    }
}
