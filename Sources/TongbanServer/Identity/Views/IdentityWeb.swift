import Foundation
import Hummingbird
import TongbanCore

/// The browser pages of the identity capability; they call the same service as the API.
struct IdentityWeb {
    let identity: IdentityService
    let api: IdentityAPI
    let accounts: any AccountStore
    let reference: any ReferenceStore
    let views: ViewRenderer
    let secureCookies: Bool

    struct FormErrors: Sendable {
        var errors: [[String: String]]
        init(_ problem: Problem) {
            errors = (problem.issues.isEmpty ? [FieldIssue(field: "", code: problem.code, zh: problem.titleZh, en: problem.titleEn)] : problem.issues)
                .map { ["field": $0.field, "message": $0.messageZh] }
        }
        init() { errors = [] }
    }

    /// Mustache sees stored properties only, hence the explicit flag.
    struct RegisterPage: Sendable {
        var errors: [[String: String]] = [] { didSet { hasErrors = !errors.isEmpty } }
        var hasErrors = false
        var name = "", idNumber = "", mobile = ""
    }

    struct OrganizationPage: Sendable {
        var errors: [[String: String]] = [] { didSet { hasErrors = !errors.isEmpty } }
        var hasErrors = false
        var name = "", creditCode = "", representativeName = "", representativeIdNumber = ""
    }

    struct LoginPage: Sendable {
        var error: String?
        var login = ""
        var ticket = ""
        var otpStep = false
        var next = "/account"
    }

    struct AccountPage: Sendable {
        var name: String
        var idNumber: String?
        var mobile: String?
        var username: String?
        var roles: String
        var department: String?
        var organizations: [[String: String]]
        var hasOrganizations: Bool
        var isPerson: Bool
    }

    func sessionCookie(_ value: String, maxAge: Int) -> Cookie {
        Cookie(name: AuthenticationMiddleware.sessionCookie, value: value, maxAge: maxAge, path: "/",
               secure: secureCookies, httpOnly: true, sameSite: .lax)
    }

    /// Only same-site relative paths, so the log-in form cannot be used as an open redirect.
    static func safeNext(_ raw: String?) -> String {
        guard let raw, raw.hasPrefix("/"), !raw.hasPrefix("//"), !raw.contains("\\") else { return "/account" }
        return raw
    }

    func register(_ routes: SecuredRouter) {
        routes.get("/", access: .anyone) { request, context in
            views.page("home", [String: String](), request: request, context: context)
        }
        routes.get("/register", access: .anyone) { request, context in
            views.page("register", RegisterPage(), request: request, context: context)
        }
        routes.post("/register", access: .anyone) { request, context in
            let form = try await FormBody.read(request)
            let input = IdentityService.PersonRegistration(
                name: form["name"] ?? "", idNumber: form["idNumber"] ?? "", mobile: form["mobile"] ?? "", password: form["password"] ?? "")
            do {
                _ = try await identity.registerPerson(input, actor: context.auditActor)
                let issued = try await identity.logIn(.init(login: input.idNumber, password: input.password, otp: nil),
                                                      kind: .cookie, actor: context.auditActor)
                return ViewRenderer.redirect("/account", cookies: [sessionCookie(issued.token, maxAge: Int(identity.sessionLifetime))])
            } catch {
                guard let problem = Problem.from(error), problem.status.code < 500 else { throw error }
                var page = RegisterPage()
                page.errors = FormErrors(problem).errors
                page.name = input.name; page.idNumber = input.idNumber; page.mobile = input.mobile
                return views.page("register", page, request: request, context: context, status: problem.status)
            }
        }
        routes.get("/register/organization", access: .roles([.person])) { request, context in
            views.page("register-organization", OrganizationPage(), request: request, context: context)
        }
        routes.post("/register/organization", access: .roles([.person])) { request, context in
            let form = try await FormBody.read(request)
            let input = IdentityService.OrganizationRegistration(
                name: form["name"] ?? "", creditCode: form["creditCode"] ?? "",
                legalRepresentative: .init(name: form["representativeName"] ?? "", idNumber: form["representativeIdNumber"] ?? ""))
            do {
                _ = try await identity.registerOrganization(input, by: context.principal!, actor: context.auditActor)
                return ViewRenderer.redirect("/account")
            } catch {
                guard let problem = Problem.from(error), problem.status.code < 500 else { throw error }
                var page = OrganizationPage()
                page.errors = FormErrors(problem).errors
                page.name = input.name; page.creditCode = input.creditCode
                page.representativeName = input.legalRepresentative.name
                page.representativeIdNumber = input.legalRepresentative.idNumber
                return views.page("register-organization", page, request: request, context: context, status: problem.status)
            }
        }
        routes.get("/login", access: .anyone) { request, context in
            var response = views.page("login", LoginPage(next: Self.safeNext(request.query("next"))), request: request, context: context)
            response.headers[.cacheControl] = "no-store"
            return response
        }
        routes.post("/login", access: .anyone) { request, context in
            let form = try await FormBody.read(request)
            let credentials = IdentityService.Credentials(login: form["login"] ?? "", password: form["password"] ?? "", otp: form["otp"],
                                                          ticket: form["ticket"].flatMap { $0.isEmpty ? nil : $0 })
            let next = Self.safeNext(form["next"])
            // Log-in pages are never cached: they carry a CSRF token, the second step a log-in ticket.
            func page(_ page: LoginPage, status: HTTPResponse.Status = .ok) -> Response {
                var response = views.page("login", page, request: request, context: context, status: status)
                response.headers[.cacheControl] = "no-store"
                return response
            }
            do {
                // FormBody.read has checked the CSRF cookie against the form.
                let issued = try await identity.logIn(credentials, kind: .cookie, actor: context.auditActor,
                                                      ticketBinding: request.cookies[CSRF.cookie]?.value ?? "")
                return ViewRenderer.redirect(next, cookies: [sessionCookie(issued.token, maxAge: Int(identity.sessionLifetime))])
            } catch IdentityError.otpRequired(let ticket) {
                // The second step's form carries a ticket for the verified password, never the password.
                return page(LoginPage(login: credentials.login, ticket: ticket, otpStep: true, next: next))
            } catch {
                guard let problem = Problem.from(error), problem.status.code < 500 else { throw error }
                return page(LoginPage(error: problem.titleZh, login: credentials.login, next: next), status: problem.status)
            }
        }
        routes.post("/logout", access: .signedIn) { request, context in
            _ = try await FormBody.read(request)
            try await identity.logOut(tokenHash: context.principal!.sessionHash, actor: context.auditActor)
            return ViewRenderer.redirect("/", cookies: [sessionCookie("", maxAge: 0)])
        }
        routes.get("/account", access: .signedIn) { request, context in
            let caller = context.principal!
            guard let record = try await accounts.account(id: caller.accountID) else { throw Problem.unauthenticated }
            let orgs = caller.kind == .person ? try await accounts.organizations(agent: caller.accountID) : []
            let view = try await api.view(record, reveal: false, organizations: orgs)
            let page = AccountPage(
                name: view.name, idNumber: view.idNumber, mobile: view.mobile, username: view.username,
                roles: caller.roles.map(\.zh).sorted().joined(separator: "、"), department: view.department?.name,
                organizations: (view.organizations ?? []).map { ["name": $0.name, "creditCode": $0.creditCode] },
                hasOrganizations: !(view.organizations ?? []).isEmpty,
                isPerson: caller.kind == .person)
            return views.page("account", page, request: request, context: context)
        }
    }
}
