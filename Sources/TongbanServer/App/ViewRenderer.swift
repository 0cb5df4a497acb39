import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore
import TongbanCore

/// Server-rendered pages (Simplified Chinese, no JavaScript needed) from the mustache
/// templates that ship in the package resources.
public struct ViewRenderer: Sendable {
    let library: MustacheLibrary

    static func load() async throws -> ViewRenderer {
        guard let dir = BundledResources.url("templates") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "templates"])
        }
        return ViewRenderer(library: try await MustacheLibrary(directory: dir.path))
    }

    /// What every page's layout needs besides the page's own data.
    struct Envelope: Sendable {
        var page: any Sendable
        var user: UserBadge?
        var csrf: String
    }

    struct UserBadge: Sendable {
        var name: String
        var isStaff: Bool
        /// Works cases (the /work queue's roles): other staff would find the link refused.
        var worksCases: Bool
        var isAdmin: Bool
        var isSupervisor: Bool
        var roles: String
    }

    func render(_ template: String, _ page: any Sendable, principal: Principal?, csrf: String = "") -> String {
        let badge = principal.map {
            UserBadge(name: $0.displayName, isStaff: $0.kind == .staff, worksCases: $0.hasAny(ApplicationsAPI.officialRoles),
                      isAdmin: $0.has(.systemAdmin),
                      isSupervisor: $0.hasAny([.supervisor, .systemAdmin]),
                      roles: $0.roles.map(\.zh).sorted().joined(separator: "、"))
        }
        return library.render(Envelope(page: page, user: badge, csrf: csrf), withTemplate: template)
            ?? "<!doctype html><title>模板缺失</title><p>页面模板 \(template) 缺失</p>"
    }

    /// Renders a page with a CSRF token, setting the token cookie on first visit.
    func page(_ template: String, _ page: any Sendable, request: Request, context: TongbanContext,
              status: HTTPResponse.Status = .ok) -> Response {
        let (token, cookie) = CSRF.token(for: request)
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8"]
        if let cookie { headers[.setCookie] = cookie.description }
        let html = render(template, page, principal: context.principal, csrf: token)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func redirect(_ location: String, cookies: [Cookie] = []) -> Response {
        var response = Response(status: .seeOther, headers: [.location: location])
        for cookie in cookies { response.setCookie(cookie) }
        return response
    }
}

/// URL-encoded form bodies of the no-JavaScript pages.
enum FormBody {
    static func read(_ request: Request) async throws -> [String: String] {
        var request = request
        let buffer = try await request.collectBody(upTo: JSONBody.limit)
        let result = parse(String(buffer: buffer))
        try CSRF.check(request, submitted: result[CSRF.field])
        try NulInput.check(result)
        return result
    }

    /// Decodes `application/x-www-form-urlencoded` text; the last of repeated names wins.
    static func parse(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in text.split(separator: "&") {
            // Keeping empty pieces means "=" or "=x" yields a key (possibly empty), never no parts at all.
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(decoded)
            result[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return result
    }

    /// WHATWG percent-decoding: `+` is a space, and a `%` not followed by two hex digits stays
    /// as it is (a search for `100%` is that, not nothing, as Foundation's all-or-nothing
    /// `removingPercentEncoding` would have it).
    private static func decoded(_ piece: Substring) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(piece.utf8.count)
        var input = piece.utf8[...]
        while let byte = input.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), input.count >= 2,
                      let high = hexValue(input[input.startIndex]), let low = hexValue(input[input.index(after: input.startIndex)]) {
                bytes.append(high << 4 | low)
                input = input.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension ViewRenderer {
    /// The same page of results with another page number, every other query parameter kept.
    static func pageLink(_ request: Request, _ page: Int) -> String {
        link(request.uri.path, query: request.queryFields.filter { $0.key != "page" }.map { ($0.key, $0.value) } + [("page", String(page))])
    }

    /// `path?name=value&…`, sorted by name, encoded so that `Request.queryFields` reads back
    /// what was meant: URLComponents leaves a `+` as it is, which reads back as a space.
    static func link(_ path: String, query items: [(String, String)]) -> String {
        guard !items.isEmpty else { return path }
        func encoded(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "" }
        return path + "?" + items.sorted { $0.0 < $1.0 }.map { "\(encoded($0.0))=\(encoded($0.1))" }.joined(separator: "&")
    }

    /// RFC 3986's unreserved characters: all that a query may carry unencoded to mean itself.
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
