import HTTPTypes
import Hummingbird

/// Resolves the caller from `Authorization: Bearer …` or the session cookie. Cookie-borne
/// requests that change state must also carry the CSRF token (form field or header),
/// because browsers attach cookies to cross-site requests.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = TongbanContext
    let identity: IdentityService
    static let sessionCookie = "tongban_session"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") {
            let token = String(header.dropFirst(7)).trimmed()
            context.principal = try await identity.principal(forToken: token, viaCookie: false)
            if context.principal == nil {
                throw Problem(.unauthorized, code: "invalid-token", zh: "令牌无效或已过期", en: "token invalid or expired")
            }
        } else if let cookie = request.cookies[Self.sessionCookie]?.value, !cookie.isEmpty {
            context.principal = try await identity.principal(forToken: cookie, viaCookie: true)
            if context.principal != nil, request.method != .get, request.method != .head,
               request.uri.path.hasPrefix("/api/") {
                try CSRF.requireHeader(request)
            }
        }
        return try await next(request, context)
    }
}
