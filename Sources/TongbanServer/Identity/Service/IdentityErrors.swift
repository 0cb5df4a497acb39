import Foundation
import HTTPTypes
import TongbanCore

enum IdentityError: ProblemConvertible {
    case duplicateIDNumber
    case duplicateMobile
    case duplicateUsername
    case duplicateCreditCode
    case legalRepresentativeUnknown
    case badCredentials
    /// The password was right; `ticket` stands for it in the second step (`IdentityService.loginTicket`).
    case otpRequired(ticket: String)
    case badOTP
    case locked(untilMillis: Int64)
    case unknownDepartment
    case departmentOutOfReach

    var problem: Problem {
        switch self {
        case .duplicateIDNumber:
            .conflict("该身份证号已注册", "this resident ID number is already registered",
                      issues: [FieldIssue(field: "idNumber", code: "duplicate", zh: "该身份证号已注册", en: "already registered")])
        case .duplicateMobile:
            .conflict("该手机号已注册", "this mobile number is already registered",
                      issues: [FieldIssue(field: "mobile", code: "duplicate", zh: "该手机号已注册", en: "already registered")])
        case .duplicateUsername:
            .conflict("该用户名已存在", "user name already exists",
                      issues: [FieldIssue(field: "username", code: "duplicate", zh: "该用户名已存在", en: "already exists")])
        case .duplicateCreditCode:
            .conflict("该统一社会信用代码已注册", "this credit code is already registered",
                      issues: [FieldIssue(field: "creditCode", code: "duplicate", zh: "该统一社会信用代码已注册", en: "already registered")])
        case .legalRepresentativeUnknown:
            .validation([FieldIssue(field: "legalRepresentative/idNumber", code: "unknown",
                                    zh: "法定代表人须为已实名注册的个人用户，且姓名一致",
                                    en: "the legal representative must be a registered person with a matching name")])
        case .badCredentials:
            Problem(.unauthorized, code: "bad-credentials", zh: "账号或密码错误", en: "wrong login or password")
        case .otpRequired:
            Problem(.unauthorized, code: "otp-required", zh: "请输入动态验证码", en: "one-time code required",
                    issues: [FieldIssue(field: "otp", code: "required", zh: "工作人员登录须输入动态验证码", en: "staff must enter a TOTP code")])
        case .badOTP:
            Problem(.unauthorized, code: "bad-otp", zh: "动态验证码错误或已使用", en: "wrong or reused one-time code",
                    issues: [FieldIssue(field: "otp", code: "invalid", zh: "动态验证码错误或已使用", en: "wrong or reused one-time code")])
        case .locked(let until):
            Problem(HTTPResponse.Status(code: 423, reasonPhrase: "Locked"), code: "locked", zh: "登录失败次数过多，账号已锁定 15 分钟", en: "too many failed log-ins; account locked for 15 minutes",
                    extra: ["lockedUntil": ISO8601Millis.string(until)])
        case .unknownDepartment:
            .validation([FieldIssue(field: "departmentCode", code: "unknown", zh: "部门不存在", en: "unknown department")])
        case .departmentOutOfReach:
            Problem(.forbidden, code: "out-of-reach", zh: "只能管理本辖区部门的工作人员", en: "you may only manage staff of departments within your reach")
        }
    }
}

enum ISO8601Millis {
    static func string(_ millis: Int64) -> String {
        Date(timeIntervalSince1970: Double(millis) / 1000).formatted(.iso8601)
    }
}

