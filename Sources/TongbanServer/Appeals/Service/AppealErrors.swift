import Foundation
import TongbanCore

enum AppealError: ProblemConvertible {
    case transition(AppealTransitionError)
    case lostUpdate(currentStatus: String, version: Int)
    case replyFlagged([ReplyCheck.Flag])
    case invalidAPIKey

    var problem: Problem {
        switch self {
        case .transition(.notAllowed(let status, let action)):
            Problem(.conflict, code: "appeal-state", zh: "诉求当前状态为「\(status.zh)」，不能执行该操作",
                    en: "action \(action) is not allowed while the appeal is \(status.rawValue)", extra: ["currentStatus": status.rawValue])
        case .transition(.reasonRequired):
            .validation([FieldIssue(field: "reason", code: "required", zh: "退单须说明理由", en: "a return needs a reason")])
        case .transition(.leadFixed):
            Problem(.conflict, code: "lead-fixed", zh: "监察员已确定本单位为主办单位，不能退单",
                    en: "a supervisor fixed this department as the lead; it cannot return the appeal")
        case .transition(.noReply):
            Problem(.conflict, code: "no-reply", zh: "未答复的诉求不能办结", en: "an appeal cannot close without a reply")
        case .lostUpdate(let status, let version):
            Problem(.conflict, code: "conflict", zh: "诉求已被他人更新，请刷新后重试", en: "the appeal was changed by someone else; reload and retry",
                    extra: ["currentStatus": status, "currentVersion": version])
        case .replyFlagged(let flags):
            .validation(flags.map { FieldIssue(field: "text", code: $0.rawValue, zh: $0.zh + "；确认无误后可勾选“仍然发送”", en: $0.en + "; acknowledge to send anyway") })
        case .invalidAPIKey:
            Problem(.forbidden, code: "api-key", zh: "api_key 无效或已停用", en: "invalid or revoked api_key")
        }
    }
}
