import HTTPTypes
import Hummingbird

/// Resolves the caller from `Authorization: Bearer …` or the session cookie, once per request.
/// It runs outside `ProblemMiddleware`, so that error pages show the signed-in header too (a
/// context only travels inwards); for that it throws nothing itself: a refused token or a
/// failed look-up is kept in the context and thrown by `CredentialCheckMiddleware`, inside.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = TongbanContext
    let identity: IdentityService
    static let sessionCookie = "tongban_session"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        do {
            context.principal = try await principal(of: request)
        } catch {
            context.credentialFailure = error
        }
        return try await next(request, context)
    }

    private func principal(of request: Request) async throws -> Principal? {
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") {
            let token = String(header.dropFirst(7)).trimmed()
            guard let principal = try await identity.principal(forToken: token, viaCookie: false) else {
                throw Problem(.unauthorized, code: "invalid-token", zh: "令牌无效或已过期", en: "token invalid or expired")
            }
            return principal
        }
        if let cookie = request.cookies[Self.sessionCookie]?.value, !cookie.isEmpty {
            return try await identity.principal(forToken: cookie, viaCookie: true)
        }
        return nil
    }
}

/// Refuses what `AuthenticationMiddleware` found wrong with the credentials, and cookie-borne API
/// requests that change state without the CSRF token (browsers attach cookies to cross-site
/// requests); inside `ProblemMiddleware`, so both are answered like any other error.
struct CredentialCheckMiddleware: RouterMiddleware {
    typealias Context = TongbanContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let failure = context.credentialFailure { throw failure }
        if context.principal?.viaCookie == true, request.method != .get, request.method != .head,
           request.uri.path.hasPrefix("/api/") {
            try CSRF.requireHeader(request)
        }
        return try await next(request, context)
    }
}
