import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Maps every error to HTTP in one place: RFC 9457 problem JSON for the API and a
/// friendly Chinese page for the browser. Unknown errors are logged as server faults.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = TongbanContext
    let views: ViewRenderer
    /// Consulted when the router finds no route, to tell a wrong method (405) from a wrong path.
    let routes: SecuredRouter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            // Handlers report missing records as `Problem`s; a bare 404 is the router's.
            let allowed = routes.methods(servingPath: request.uri.path)
            // A route that serves this method and still answered a bare 404 is a handler's 404.
            guard !allowed.isEmpty, !allowed.contains(request.method) else { return render(.notFound(), request: request, context: context) }
            var response = render(Problem(.methodNotAllowed, code: "method-not-allowed", zh: "该地址不支持 \(request.method) 请求方法",
                                          en: "\(request.method) is not allowed here"),
                                  request: request, context: context)
            response.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
            return response
        } catch {
            let problem: Problem
            if let known = Problem.from(error) {
                problem = known
                if problem.status.code >= 500 { context.logger.error("request failed: \(String(reflecting: error))") }
            } else {
                context.logger.error("unhandled error: \(String(reflecting: error))")
                problem = Problem(.internalServerError, code: "internal", zh: "服务器内部错误，请稍后再试", en: "internal server error")
            }
            return render(problem, request: request, context: context)
        }
    }

    func render(_ problem: Problem, request: Request, context: Context) -> Response {
        let response = renderBody(problem, request: request, context: context)
        // A HEAD answer carries the GET answer's headers and no body (RFC 9110 §9.3.2).
        return request.method == .head ? response.createHeadResponse() : response
    }

    private func renderBody(_ problem: Problem, request: Request, context: Context) -> Response {
        var headers: HTTPFields = [:]
        if problem.status == .unauthorized {
            // RFC 6750 §3: a client told its token is bad knows to sign in again rather than retry.
            headers[.wwwAuthenticate] = problem.code == "invalid-token" ? "Bearer realm=\"tongban\", error=\"invalid_token\""
                : "Bearer realm=\"tongban\""
        }
        if Self.wantsJSON(request) {
            headers[.contentType] = "application/problem+json; charset=utf-8"
            let body = problem.json(instance: request.uri.path, requestID: context.id)
            return Response(status: problem.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        if problem.status == .unauthorized {
            return Response(status: .seeOther, headers: [.location: ViewRenderer.link("/login", query: [("next", request.uri.path)])])
        }
        // A page like any other: the signed-in header, and a CSRF token for its 退出 form.
        return views.page("error", ErrorPage(problem: problem, requestID: context.id), request: request, context: context,
                          status: problem.status)
    }

    static func wantsJSON(_ request: Request) -> Bool {
        let path = request.uri.path
        if path.hasPrefix("/api/") || path.hasPrefix("/open311/") || path == "/healthz" || path == "/readyz" { return true }
        return request.headers[.accept]?.contains("application/json") ?? false
    }

    struct ErrorPage: Sendable {
        var title: String
        var titleEn: String
        var status: Int
        var issues: [[String: String]]
        var hasIssues: Bool
        var requestID: String

        init(problem: Problem, requestID: String) {
            title = problem.titleZh
            titleEn = problem.titleEn
            status = Int(problem.status.code)
            issues = problem.issues.map { ["field": $0.field, "message": $0.messageZh] }
            hasIssues = !issues.isEmpty
            self.requestID = requestID
        }
    }
}

/// Strict browser security policy on every response, plus the request id for support.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = TongbanContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] =
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        response.headers[HTTPField.Name("Permissions-Policy")!] = "camera=(), microphone=(), geolocation=()"
        response.headers[HTTPField.Name("X-Request-Id")!] = context.id
        if response.headers[.cacheControl] == nil, context.principal != nil {
            response.headers[.cacheControl] = "no-store"
        }
        return response
    }
}

/// One log line per request, carrying the request id like every other line of it.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = TongbanContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        context.logger.info("\(request.method) \(request.uri.path) \(response.status.code)",
                            metadata: ["ms": "\(elapsed.components.attoseconds / 1_000_000_000_000_000 + elapsed.components.seconds * 1000)"])
        return response
    }
}

/// On PostgreSQL, serves each request with its task on its HTTP connection's event loop, where
/// one of the database pools lives too (both use the process's one event loop group): the
/// request's statements are then leased, sent and answered on that thread
/// (`PostgresLeases`), instead of crossing from the global executor to a loop and back for
/// each of them. Only requests with credentials move: they always read the database (the
/// session) and mostly more, whereas moving one that reads nothing (a health check, the
/// stylesheet) adds two crossings to it (a quarter more CPU per plaintext request, measured).
struct EventLoopAffinityMiddleware: RouterMiddleware {
    typealias Context = TongbanContext
    let database: AppDatabase

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.headers[.authorization] != nil || request.headers[.cookie] != nil,
              let executor = database.executor(for: context.eventLoop) else { return try await next(request, context) }
        return try await withTaskExecutorPreference(executor) { try await next(request, context) }
    }
}
