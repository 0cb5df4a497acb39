import Foundation
import Hummingbird
import TongbanCore

/// U+0000 in input. PostgreSQL's text cannot hold it (the statement fails, a 500), SQLite
/// would store what C code then cuts short, and no field of Tongban means it: so it is refused
/// where input enters — the address, JSON bodies, form and multipart fields — on both engines
/// alike, naming the field.
enum NulInput {
    /// Names `field` without its NULs, which would only cut the message short where it is shown.
    static func issue(_ named: String) -> FieldIssue {
        let field = named.replacingOccurrences(of: "\0", with: "")
        return FieldIssue(field: field, code: "nul", zh: "\(field.isEmpty ? "内容" : field) 不能含有空字符（U+0000）",
                   en: "\(field.isEmpty ? "the input" : field) must not contain the NUL character (U+0000)")
    }

    static func refusal(_ issues: [FieldIssue]) -> Problem {
        Problem.badRequest("请求含有空字符（U+0000）", "the request contains the NUL character (U+0000)", issues: issues)
    }

    /// Named fields (form or multipart), names and values alike.
    static func check(_ fields: [String: String]) throws {
        let issues = issues(fields)
        if !issues.isEmpty { throw refusal(issues) }
    }

    static func issues(_ fields: [String: String]) -> [FieldIssue] {
        fields.filter { $0.key.contains("\0") || $0.value.contains("\0") }.keys.sorted().map(issue)
    }

    /// The path and the query parameters, as the router and handlers will decode them.
    static func check(address request: Request) throws {
        let uri = request.uri
        guard uri.path.contains("%00") || (uri.query ?? "").contains("%00") else { return }
        var issues = uri.path.removingPercentEncoding?.contains("\0") != false ? [issue("path")] : []
        issues += Self.issues(request.queryFields)
        throw refusal(issues.isEmpty ? [issue("query")] : issues)
    }

    /// A JSON body: the cheap byte scan for an escaped NUL first (a raw one is not JSON at all),
    /// the tree walked only to name the fields of a body that has one.
    static func issues(inJSON data: Data) -> [FieldIssue] {
        guard containsEscapedNul(data) else { return [] }
        guard let tree = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return [] }
        var found: [String] = []
        func walk(_ value: Any, _ path: [String]) {
            switch value {
            case let object as [String: Any]:
                for (key, member) in object.sorted(by: { $0.key < $1.key }) {
                    if key.contains("\0") { found.append((path + [key]).joined(separator: "/")) }
                    walk(member, path + [key])
                }
            case let array as [Any]:
                for (index, element) in array.enumerated() { walk(element, path + [String(index)]) }
            case let text as String where text.contains("\0"):
                found.append(path.joined(separator: "/"))
            default:
                break
            }
        }
        walk(tree, [])
        return found.map(issue)
    }

    /// `\u0000` preceded by an even number of backslashes (an odd number escapes the backslash).
    private static func containsEscapedNul(_ data: Data) -> Bool {
        let pattern = Array(#"\u0000"#.utf8)
        return data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> Bool in
            var index = 0
            while index + pattern.count <= bytes.count {
                if bytes[index] == pattern[0], bytes[index + 1] == pattern[1], bytes[index + 2...index + 5].allSatisfy({ $0 == 0x30 }) {
                    var backslashes = 1
                    while index - backslashes >= 0, bytes[index - backslashes] == pattern[0] { backslashes += 1 }
                    if backslashes % 2 == 1 { return true }
                }
                index += 1
            }
            return false
        }
    }
}

/// Refuses a NUL in the address before any handler or the database sees it.
struct NulInputMiddleware: RouterMiddleware {
    typealias Context = TongbanContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try NulInput.check(address: request)
        return try await next(request, context)
    }
}
