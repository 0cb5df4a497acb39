import Foundation
import HTTPTypes
import Hummingbird
import Testing
import TongbanCore
@testable import TongbanServer

@Suite("Access control and API description")
struct AccessControlTests {
    @Test func everyRegisteredRouteDeclaresItsAccess() async throws {
        try await withApp(.sqlite) { s in
            let declared = Set(s.app.declaredRoutes.keys.map { "\($0.method) \($0.path)" })
            #expect(!s.app.registeredRoutes.isEmpty)
            for route in s.app.registeredRoutes {
                #expect(declared.contains(route), "\(route) was registered without a declared access rule")
            }
        }
    }

    @Test func everyAPIRouteIsInTheOpenAPIDocument() async throws {
        try await withApp(.sqlite) { s in
            let reply = try await s.call(.get, "/api/v1/openapi.json")
            #expect(reply.status == .ok)
            #expect(reply.json["openapi"] as? String == "3.1.0")
            let paths = reply.json["paths"] as? [String: [String: Any]] ?? [:]
            // HEAD goes with every GET (RFC 9110) and is not listed separately.
            for key in s.app.declaredRoutes.keys where key.path.hasPrefix("/api/v1/") && key.method != .head {
                // The router writes parameters as `{name}` like OpenAPI does.
                let operations = paths[key.path]
                #expect(operations?[key.method.rawValue.lowercased()] != nil, "\(key.method) \(key.path) missing from openapi.json")
            }
        }
    }

    @Test func aMethodThePathDoesNotServeIs405WithAllow() async throws {
        try await withApp(.sqlite) { s in
            let trace = try await s.call(.trace, "/api/v1/applications/00000000-0000-0000-0000-000000000000")
            #expect(trace.status == .methodNotAllowed)
            #expect(trace.json["code"] as? String == "method-not-allowed")
            let allowed = Set((trace.headers[.allow] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            #expect(allowed == ["GET", "HEAD", "PUT"])
            // Denied by method before any access rule: no token needed to learn what a path serves.
            #expect(try await s.call(.delete, "/healthz").headers[.allow] == "GET, HEAD")
            // HEAD is served wherever GET is, under the same rule, without a body.
            let head = try await s.call(.head, "/healthz")
            #expect(head.status == .ok && head.body.isEmpty)
            #expect(try await s.call(.head, "/api/v1/applications?mine=true").status == .unauthorized)
            // A browser gets the friendly page, still a 405.
            let page = try await s.call(.patch, "/login", headers: [.accept: "text/html"])
            #expect(page.status == .methodNotAllowed)
            #expect(page.text.contains("不支持"))
            // A path nobody serves stays a 404; a record that does not exist too.
            #expect(try await s.call(.trace, "/api/v1/nosuch").status == .notFound)
            #expect(try await s.call(.get, "/api/v1/nosuch").headers[.allow] == nil)
        }
    }

    /// Calls every API route as a stranger and as each role: a role outside the route's rule
    /// gets 403, a stranger 401, and nobody with the right role is stopped by access control.
    @Test(arguments: TestEngine.available)
    func roleMatrix(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            var tokens: [String: (String, Set<Role>)] = [:]
            for (user, roles) in [("admin", [Role.systemAdmin]), ("supervisor", [.supervisor]), ("catalog", [.catalogAdmin]),
                                  ("clerk", [.windowClerk]), ("reviewer", [.reviewer]), ("approver", [.approver]),
                                  ("dispatcher", [.dispatcher]), ("handler-zjw", [.handler]), ("steward", [.dataSteward])] {
                tokens[user] = (try await s.logInDemoStaff(user), Set(roles))
                s.clock.advance(31) // each TOTP code is single-use per account; a fresh window keeps log-ins independent
            }
            tokens["person"] = (try await s.logIn(DemoData.persons[0].mobile, password: DemoData.password), [.person])

            // HEAD runs the GET handler, so calling the GET covers it.
            for (key, access) in s.app.declaredRoutes where key.path.hasPrefix("/api/v1/") && key.method != .head {
                let path = key.path.replacingOccurrences(of: #"\{[^}]+\}"#, with: "00000000-0000-0000-0000-000000000000", options: .regularExpression)
                let body: Any? = [HTTPRequest.Method.post, .put].contains(key.method) ? [String: Any]() : nil
                let anonymous = try await s.call(key.method, path, json: body)
                switch access {
                case .anyone:
                    #expect(anonymous.status != .unauthorized && anonymous.status != .forbidden, "\(key.method) \(path) should be public")
                case .signedIn, .roles:
                    #expect(anonymous.status == .unauthorized, "\(key.method) \(path) as stranger: \(anonymous.status)")
                }
                guard case .roles(let allowed) = access else { continue }
                for (user, (token, roles)) in tokens {
                    let reply = try await s.call(key.method, path, token: token, json: body)
                    if roles.isDisjoint(with: allowed) {
                        #expect(reply.status == .forbidden, "\(key.method) \(path) as \(user): \(reply.status)")
                    } else {
                        // The route let the role in; a handler may still refuse a record outside the caller's reach.
                        let deniedByRule = reply.status == .unauthorized || (reply.status == .forbidden && reply.json["code"] as? String == "forbidden")
                        #expect(!deniedByRule, "\(key.method) \(path) as \(user): \(reply.status)")
                    }
                    #expect(reply.status.code < 500, "\(key.method) \(path) as \(user): \(reply.status) \(reply.text)")
                }
            }
            let (entries, _) = try await s.services.audit.list({ var f = AuditFilter(); f.action = "security.access.denied"; return f }(),
                                                               paging: Paging(page: 1, pageSize: 10))
            #expect(!entries.isEmpty, "denied access is recorded as a security event")
        }
    }

    @Test(arguments: TestEngine.available)
    func aPersonCannotReadAnotherPersonsData(_ engine: TestEngine) async throws {
        try await withApp(engine) { s in
            let (alice, aliceID) = try await s.registerPerson(name: "甲", idNumber: Fixtures.idNumbers[0], mobile: Fixtures.mobiles[0])
            let (bob, _) = try await s.registerPerson(name: "乙", idNumber: Fixtures.idNumbers[1], mobile: Fixtures.mobiles[1])
            let org = try await s.call(.post, "/api/v1/organizations", token: alice, json: [
                "name": "杭州甲公司", "creditCode": Fixtures.creditCodes[0],
                "legalRepresentative": ["name": "甲", "idNumber": Fixtures.idNumbers[0]]])
            let orgID = org.json["id"] as? String ?? ""
            let stranger = try await s.call(.get, "/api/v1/persons/\(aliceID)", token: bob)
            #expect(stranger.status == .notFound)
            #expect(!stranger.text.contains("甲"))
            #expect(try await s.call(.get, "/api/v1/organizations/\(orgID)", token: bob).status == .notFound)
            #expect(try await s.call(.get, "/api/v1/organizations/\(orgID)", token: alice).status == .ok)
        }
    }

    @Test(arguments: TestEngine.available)
    func staffReadsOfPersonalDataAreAuditedAndMaskedByRole(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let (_, id) = try await s.registerPerson(name: "丙", idNumber: Fixtures.idNumbers[2], mobile: Fixtures.mobiles[2])
            let clerk = try await s.logInDemoStaff("clerk")
            s.clock.advance(31)
            let admin = try await s.logInDemoStaff("admin")
            let byClerk = try await s.call(.get, "/api/v1/persons/\(id)", token: clerk)
            #expect(byClerk.json["idNumber"] as? String == Fixtures.idNumbers[2])
            let byAdmin = try await s.call(.get, "/api/v1/persons/\(id)", token: admin)
            #expect(byAdmin.json["idNumber"] as? String == Masking.maskResidentID(Fixtures.idNumbers[2]))
            var filter = AuditFilter()
            filter.targetID = id
            let (entries, _) = try await s.services.audit.list(filter, paging: Paging(page: 1, pageSize: 20))
            #expect(entries.contains { $0.action == "person.read.unmasked" && $0.departmentCode == "330106-xzspj" })
            #expect(entries.contains { $0.action == "person.read" })
        }
    }

    @Test(arguments: TestEngine.available)
    func browserFormsNeedTheCSRFToken(_ engine: TestEngine) async throws {
        try await withApp(engine) { s in
            let reply = try await s.call(.post, "/register", raw: "name=a&idNumber=1&mobile=1&password=1",
                                         headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(reply.status == .forbidden)
            #expect(reply.headers[.contentType]?.hasPrefix("text/html") == true)
            // Pairs without a name or without "=" are read, not fatal.
            for odd in ["=", "=x&&y", "&&&"] {
                let refused = try await s.call(.post, "/register", raw: odd, headers: [.contentType: "application/x-www-form-urlencoded"])
                #expect(refused.status == .forbidden, "\(odd)")
            }
            struct N: Decodable { var n: Int }
            #expect(try await s.services.database.sql.raw("SELECT COUNT(*) AS n FROM accounts").first(decoding: N.self)?.n == 0)
        }
    }

    /// The error middleware once ran before the session was resolved: a signed-in citizen met a
    /// 404 or 403 page offering 登录 instead of their name and 退出.
    @Test(arguments: TestEngine.available)
    func errorPagesShowWhoIsSignedIn(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let session = try await s.services.identity.logIn(.init(login: DemoData.persons[0].mobile, password: DemoData.password),
                                                              kind: .cookie, actor: .system("test"))
            let cookie: HTTPFields = [.cookie: "\(AuthenticationMiddleware.sessionCookie)=\(session.token)", .accept: "text/html"]
            let missing = try await s.call(.get, "/no-such-page", headers: cookie)
            #expect(missing.status == .notFound)
            #expect(missing.text.contains(DemoData.persons[0].name), "\(missing.text)")
            #expect(missing.text.contains("action=\"/logout\"") && !missing.text.contains("href=\"/login\""))
            #expect(!missing.text.contains("name=\"_csrf\" value=\"\""), "退出 works from an error page too")
            #expect(missing.headers[.cacheControl] == "no-store", "a signed-in answer is not cached")
            let forbidden = try await s.call(.get, "/audit", headers: cookie)
            #expect(forbidden.status == .forbidden)
            #expect(forbidden.text.contains(DemoData.persons[0].name) && forbidden.text.contains("action=\"/logout\""))

            let anonymous = try await s.call(.get, "/no-such-page", headers: [.accept: "text/html"])
            #expect(anonymous.status == .notFound)
            #expect(!anonymous.text.contains(DemoData.persons[0].name) && !anonymous.text.contains("action=\"/logout\""))
            #expect(anonymous.text.contains("href=\"/login\""))
            #expect(anonymous.headers[.cacheControl] == nil)

            // Refused credentials are still answered by the error mapping, on any path.
            let stale = try await s.call(.get, "/api/v1/no-such", token: "not-a-token")
            #expect(stale.status == .unauthorized && stale.headers[.wwwAuthenticate]?.contains("invalid_token") == true)
            #expect(try await s.call(.get, "/no-such-page", token: "not-a-token").status == .seeOther)
            let csrfless = try await s.call(.delete, "/api/v1/auth/token", headers: cookie)
            #expect(csrfless.status == .forbidden && csrfless.json["code"] as? String == "csrf", "\(csrfless.text)")
        }
    }

    @Test func securityHeadersOnEveryResponse() async throws {
        try await withApp(.sqlite) { s in
            for path in ["/", "/healthz", "/api/v1/me", "/no-such-page"] {
                let reply = try await s.call(.get, path)
                #expect(reply.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true, "\(path)")
                #expect(reply.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
                #expect(reply.headers[HTTPField.Name("X-Request-Id")!] != nil)
            }
        }
    }
}
