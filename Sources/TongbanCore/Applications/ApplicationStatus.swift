import Foundation

/// An application's state as the API and the pages name it.
public enum ApplicationStatus: String, Sendable, Codable, CaseIterable {
    case draft, submitted, supplementRequested, inProgress, rejectedAtIntake, approved, rejected, concluded, withdrawn

    public init(_ state: CaseState) {
        switch state {
        case .draft: self = .draft
        case .submitted: self = .submitted
        case .supplementRequested: self = .supplementRequested
        case .accepted: self = .inProgress
        case .rejectedAtIntake: self = .rejectedAtIntake
        case .approved: self = .approved
        case .rejected: self = .rejected
        case .concluded: self = .concluded
        case .withdrawn: self = .withdrawn
        }
    }

    public var zh: String {
        switch self {
        case .draft: "草稿"
        case .submitted: "已提交，待受理"
        case .supplementRequested: "待补正"
        case .inProgress: "办理中"
        case .rejectedAtIntake: "不予受理"
        case .approved: "已准予，待办结"
        case .rejected: "不予许可，待办结"
        case .concluded: "已办结"
        case .withdrawn: "已撤回"
        }
    }

    /// The applicant may still change the form and materials.
    public var isEditable: Bool { self == .draft || self == .supplementRequested }
}

/// 受理编号: division code, acceptance date and a six-digit daily sequence of that division,
/// e.g. 330106 20260312 000042.
public enum ReceiptNumber {
    public static func make(division: String, date: CivilDate, sequence: Int) -> String {
        division + date.compact + sequence.zeroPadded(6)
    }

    public static func dayKey(_ date: CivilDate) -> String { date.compact }
}

extension WorkflowEvent.Kind {
    /// The timeline line the applicant and staff read.
    /// `departmentName` gives a department's name for its code (the engine knows departments by code).
    public func summaryZh(stepName: (String) -> String, departmentName: (String) -> String = { $0 }) -> String {
        switch self {
        case .submitted: return "提交申请"
        case .accepted: return "受理"
        case .refusedAtIntake(let reason): return "不予受理：\(reason)"
        case .supplementRequested(let materials): return "一次性告知补正：\(materials.joined(separator: "；"))"
        case .resubmitted: return "补正后重新提交"
        case .stepEntered(let step): return "进入“\(stepName(step))”环节"
        case .recommended(let outcome, let reason, _):
            return outcome == .approved ? "审查通过" : "审查不通过：\(reason ?? "")"
        case .decided(let decision):
            return decision.outcome == .approved ? "决定准予"
                : "决定不予许可：\(decision.reason ?? "")（依据：\(decision.legalBasis ?? "")）"
        case .returned(let from, let to, let reason): return "由“\(stepName(from))”退回“\(stepName(to))”：\(reason)"
        case .opinionGiven(let department, let opinion):
            let verdict = "\(departmentName(department)) \(opinion.verdict == .agree ? "同意" : "不同意")"
            return opinion.comment.isEmpty ? verdict : "\(verdict)：\(opinion.comment)"
        case .jointReviewSettled(let result):
            return result == .agreed ? "联合审查意见汇总：同意" : "联合审查意见汇总：不同意"
        case .clockPaused(let reason): return "暂停计时（\(reason.nameZh)）"
        case .clockResumed: return "恢复计时"
        case .delivered: return "送达"
        case .concluded: return "办结"
        case .withdrawn: return "申请人撤回申请"
        }
    }

    /// Stable machine name of the event, stored with the timeline entry.
    public var code: String {
        switch self {
        case .submitted: "submitted"
        case .accepted: "accepted"
        case .refusedAtIntake: "refusedAtIntake"
        case .supplementRequested: "supplementRequested"
        case .resubmitted: "resubmitted"
        case .stepEntered: "stepEntered"
        case .recommended: "recommended"
        case .decided: "decided"
        case .returned: "returned"
        case .opinionGiven: "opinionGiven"
        case .jointReviewSettled: "jointReviewSettled"
        case .clockPaused: "clockPaused"
        case .clockResumed: "clockResumed"
        case .delivered: "delivered"
        case .concluded: "concluded"
        case .withdrawn: "withdrawn"
        }
    }
}
