import HTTPTypes
import Hummingbird
import TongbanCore

/// Who may call a route. Every route states one; there is no default.
public enum Access: Sendable, CustomStringConvertible {
    /// Anyone, signed in or not (health checks, registration, public reference data).
    case anyone
    /// Any signed-in account; the handler narrows to the caller's own records.
    case signedIn
    /// Only accounts holding at least one of these roles.
    case roles(Set<Role>)

    public var description: String {
        switch self {
        case .anyone: "anyone"
        case .signedIn: "signed-in"
        case .roles(let roles): "roles: " + roles.map(\.rawValue).sorted().joined(separator: ",")
        }
    }

    func permits(_ principal: Principal?) -> Bool {
        switch self {
        case .anyone: true
        case .signedIn: principal != nil
        case .roles(let roles): principal?.hasAny(roles) ?? false
        }
    }
}

/// Registers routes together with their access rule, so the rule is checked before any
/// handler runs and tests can prove that no route was added without one.
public final class SecuredRouter: @unchecked Sendable {
    public struct Declaration: Sendable, Hashable {
        public var method: HTTPRequest.Method
        public var path: String
    }

    let router: Router<TongbanContext>
    let onDenied: @Sendable (Request, TongbanContext, Access) async -> Void
    public private(set) var declared: [Declaration: Access] = [:]
    private var patterns: [(path: RouterPath, method: HTTPRequest.Method)] = []

    init(router: Router<TongbanContext>, onDenied: @escaping @Sendable (Request, TongbanContext, Access) async -> Void) {
        self.router = router
        self.onDenied = onDenied
    }

    public func on(
        _ method: HTTPRequest.Method, _ path: String, access: Access,
        handler: @escaping @Sendable (Request, TongbanContext) async throws -> Response
    ) {
        declared[Declaration(method: method, path: RouterPath(path).description)] = access
        patterns.append((RouterPath(path), method))
        if method == .get {
            // The router answers HEAD with this handler (autoGenerateHeadEndpoints).
            declared[Declaration(method: .head, path: RouterPath(path).description)] = access
            patterns.append((RouterPath(path), .head))
        }
        let onDenied = self.onDenied
        router.on(RouterPath(path), method: method) { request, context in
            guard access.permits(context.principal) else {
                await onDenied(request, context, access)
                throw context.principal == nil ? Problem.unauthenticated : Problem.forbidden
            }
            return try await handler(request, context)
        }
    }

    /// The methods served at a concrete request path, for a 405's `Allow` when the router
    /// found no route for the request's method. Read only after every route is registered.
    func methods(servingPath path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        var methods: [HTTPRequest.Method] = []
        for pattern in patterns where pattern.path.count == segments.count && !methods.contains(pattern.method) {
            if zip(pattern.path, segments).allSatisfy({ element, segment in element ~= segment }) {
                methods.append(pattern.method)
            }
        }
        return methods
    }

    public func get(_ path: String, access: Access, handler: @escaping @Sendable (Request, TongbanContext) async throws -> Response) {
        on(.get, path, access: access, handler: handler)
    }
    public func post(_ path: String, access: Access, handler: @escaping @Sendable (Request, TongbanContext) async throws -> Response) {
        on(.post, path, access: access, handler: handler)
    }
    public func put(_ path: String, access: Access, handler: @escaping @Sendable (Request, TongbanContext) async throws -> Response) {
        on(.put, path, access: access, handler: handler)
    }
    public func delete(_ path: String, access: Access, handler: @escaping @Sendable (Request, TongbanContext) async throws -> Response) {
        on(.delete, path, access: access, handler: handler)
    }
}
