import Foundation
import TongbanCore

/// How the engine's refusals read to a caller: who may not act is 403, what the case's state
/// forbids is 409 (with the current state), what the input lacks is 422.
extension WorkflowError: ProblemConvertible {
    public var problem: Problem {
        switch self {
        case .roleNotPermitted, .departmentNotPermitted, .departmentNotParticipant, .notLeadDepartment:
            Problem(.forbidden, code: "workflow-forbidden", zh: "无权办理此环节", en: "not permitted at this step", issues: issues)
        case .invalidInput, .supplementNeedsNotice:
            Problem.validation(issues)
        case .notAllowedInState, .opinionAlreadyGiven, .jointReviewPending, .jointReviewSettled, .supplementAlreadyRequested, .clockSuspended,
             .clockNotSuspended, .noPreviousStep, .contradictsJointResult, .definitionMismatch, .dateOutOfOrder:
            Problem.conflict("办件当前状态不允许此操作", "the case's state does not allow this action", issues: issues)
        }
    }
}

enum ApplicationProblem {
    static func notFound() -> Problem { Problem.notFound("application") }

    /// Lost a race or acted on an old view: the caller gets the state as it now stands.
    static func staleVersion(_ current: ApplicationRecord) -> Problem {
        withState(Problem(.conflict, code: "conflict", zh: "办件已被他人处理，请刷新后重试", en: "the application was changed by someone else",
                          issues: [FieldIssue(field: "version", code: "stale", zh: "办件版本已变化", en: "the application version changed")]),
                  of: current)
    }

    /// A lost race, or a refusal of an action, carries the case as it now stands: the other
    /// official may have moved it on between this caller's read and their action.
    static func withState(_ problem: Problem, of current: ApplicationRecord) -> Problem {
        var problem = problem
        problem.extra.merge(["currentVersion": current.version, "currentStatus": current.status]) { _, new in new }
        // A case has no step in draft and once final: then the member is left out, never empty.
        problem.extra["currentStep"] = current.currentStep
        return problem
    }

    /// No division was named, none of the item's serves the applicant's own, and the item is
    /// handled in several: the applicant chooses, so every candidate is named by code and name.
    static func divisionToChoose(_ named: [ApplicationService.NamedDivision]) -> Problem {
        divisionChoice("ambiguous", "该事项由多个地区分别办理，请选择办理地区（divisionCode）", "the item is handled in several divisions; choose divisionCode among",
                       named)
    }

    /// The case named a division where the item is not handled, though it is handled elsewhere.
    static func notOfferedIn(_ division: String, named: [ApplicationService.NamedDivision]) -> Problem {
        divisionChoice("notOffered", "该事项不在 \(division) 办理，请选择办理地区（divisionCode）", "the item is not handled in \(division); choose divisionCode among",
                       named)
    }

    private static func divisionChoice(_ code: String, _ leadZh: String, _ leadEn: String, _ named: [ApplicationService.NamedDivision]) -> Problem {
        let zh = named.map { $0.name.isEmpty ? $0.code : "\($0.code) \($0.name)" }.joined(separator: "、")
        let en = named.map { $0.name.isEmpty ? $0.code : "\($0.code) (\($0.name))" }.joined(separator: ", ")
        var problem = Problem.validation([field("divisionCode", code, "\(leadZh)：\(zh)", "\(leadEn) \(en)")])
        // An API client offers the choice without parsing the message.
        problem.extra["divisionChoices"] = named.map { ["code": $0.code, "name": $0.name] }
        return problem
    }

    static func notEditable(_ status: String) -> Problem {
        Problem.conflict("当前状态下不能修改申请", "the application cannot be changed in status \(status)",
                         issues: [FieldIssue(field: "status", code: "notEditable", zh: "申请已提交，不能修改", en: "status \(status) is not editable")])
    }

    /// The file of a stored material is gone from the upload directory (lost, or a process
    /// configured with a directory the others do not share): the server's fault, never the caller's.
    static let attachmentUnavailable = Problem(.internalServerError, code: "attachment-unavailable", zh: "材料文件暂时无法读取，请联系管理员",
                                               en: "the material's file cannot be read from storage")

    /// The file no longer has the SHA-256 recorded at upload: changed outside the application.
    static let attachmentAltered = Problem(.internalServerError, code: "attachment-altered", zh: "材料文件与上传时记录的摘要不符，已拒绝提供",
                                           en: "the material's file does not match the SHA-256 recorded at upload")

    /// A `divisionCode` given in a request body: six digits, or the catalog lookup it feeds names another field.
    /// A division given in a request: six digits, and a division that exists (a catalog lookup
    /// with another would name the item as missing, not the division).
    static func checkDivision(_ division: String?, field name: String = "divisionCode", in divisions: DivisionIndex) throws {
        guard let division else { return }
        if !CatalogScope.isDivisionCode(division) {
            throw Problem.validation([field(name, "format", "行政区划代码应为6位数字", "division code must be 6 digits")])
        }
        if !divisions.contains(division) {
            throw Problem.validation([field(name, "unknownDivision", "行政区划 \(division) 不存在", "division \(division) does not exist")])
        }
    }

    static func field(_ field: String, _ code: String, _ zh: String, _ en: String) -> FieldIssue {
        FieldIssue(field: field, code: code, zh: zh, en: en)
    }
}
