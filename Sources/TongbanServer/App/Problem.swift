import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import TongbanCore

/// What an error means to a caller. Each capability keeps its own typed errors and states
/// here how they read; the error middleware turns them into RFC 9457 problem JSON for the
/// API and a friendly page for the browser, in one place.
public struct Problem: Error, Sendable {
    public var status: HTTPResponse.Status
    /// Stable slug, part of the problem `type` URI.
    public var code: String
    public var titleZh: String
    public var titleEn: String
    public var issues: [FieldIssue]
    /// Extension members (RFC 9457 §3.2): strings, or integers where the member is a count or version.
    public var extra: [String: any Sendable]

    public init(_ status: HTTPResponse.Status, code: String, zh: String, en: String,
                issues: [FieldIssue] = [], extra: [String: any Sendable] = [:]) {
        self.status = status
        self.code = code
        self.titleZh = zh
        self.titleEn = en
        self.issues = issues
        self.extra = extra
    }

    public static func notFound(_ what: String = "resource") -> Problem {
        Problem(.notFound, code: "not-found", zh: "未找到所请求的资源", en: "\(what) not found")
    }
    public static let unauthenticated = Problem(.unauthorized, code: "unauthenticated", zh: "请先登录", en: "authentication required")
    public static let forbidden = Problem(.forbidden, code: "forbidden", zh: "无权执行此操作", en: "not permitted")
    public static func conflict(_ zh: String, _ en: String, issues: [FieldIssue] = []) -> Problem {
        Problem(.conflict, code: "conflict", zh: zh, en: en, issues: issues)
    }
    public static func badRequest(_ zh: String, _ en: String, issues: [FieldIssue] = []) -> Problem {
        Problem(.badRequest, code: "bad-request", zh: zh, en: en, issues: issues)
    }
    static let tooLarge = Problem(.contentTooLarge, code: "too-large", zh: "请求内容过大（上限 1 MiB）", en: "request body too large (limit 1 MiB)")

    public static func validation(_ issues: [FieldIssue]) -> Problem {
        Problem(.unprocessableContent, code: "validation", zh: "提交的内容有误，请按提示修改", en: "the request has invalid fields", issues: issues)
    }
}

/// Conformed to by each capability's error enum.
public protocol ProblemConvertible: Error {
    var problem: Problem { get }
}

extension Problem {
    /// Interprets any error thrown below a handler. Unknown errors are server faults.
    static func from(_ error: any Error) -> Problem? {
        switch error {
        case let problem as Problem: return problem
        case let convertible as any ProblemConvertible: return convertible.problem
        case let failure as ValidationFailure: return .validation(failure.issues)
        // A body collected past its route's limit (the pages' forms, Open311) wherever the
        // handler did not name its own limit.
        case is NIOTooManyBytesError: return .tooLarge
        case let http as HTTPError:
            switch http.status {
            case .contentTooLarge: return .tooLarge
            case .notFound: return .notFound()
            case .methodNotAllowed:
                return Problem(.methodNotAllowed, code: "method-not-allowed", zh: "不支持该请求方法", en: "method not allowed")
            default:
                return Problem(http.status, code: "http-\(http.status.code)", zh: "请求无法处理", en: http.body ?? http.status.reasonPhrase)
            }
        default: return nil
        }
    }

    func json(instance: String, requestID: String) -> Data {
        var object: [String: Any] = [
            "type": "https://tongban.gov.cn/problems/\(code)",
            "title": titleEn,
            "titleZh": titleZh,
            "status": Int(status.code),
            "detail": "\(titleZh) / \(titleEn)",
            "instance": instance,
            "code": code,
            "requestId": requestID,
        ]
        if !issues.isEmpty {
            object["errors"] = issues.map {
                ["field": $0.field, "code": $0.code, "message": $0.messageZh, "messageEn": $0.messageEn]
            }
        }
        // Extension members never replace the members RFC 9457 defines (a capability once
        // put the appeal's state in `status`, where clients expect the HTTP status code).
        for (key, value) in extra where object[key] == nil { object[key] = value }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    }
}

extension String {
    /// At most `limit` characters, for echoing what a caller sent back in a message.
    func clipped(_ limit: Int) -> String {
        count <= limit ? self : String(prefix(limit)) + "…"
    }
}
