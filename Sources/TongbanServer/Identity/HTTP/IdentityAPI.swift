import Foundation
import HTTPTypes
import Hummingbird
import TongbanCore

/// JSON API of the identity capability.
struct IdentityAPI {
    let identity: IdentityService
    let accounts: any AccountStore
    let reference: any ReferenceStore
    let protector: FieldProtector
    let audit: any AuditLog

    struct AccountView: Encodable, Sendable {
        var id: String
        var kind: String
        var name: String
        var idNumber: String?
        var mobile: String?
        var username: String?
        var roles: [String]
        var department: Department?
        var post: String?
        var organizations: [OrganizationView]?
    }

    struct OrganizationView: Encodable, Sendable {
        var id: String
        var name: String
        var creditCode: String
        var divisionCode: String
    }

    struct TokenView: Encodable, Sendable {
        var token: String
        var expiresAt: Date
    }

    struct StaffCreated: Encodable, Sendable {
        var account: AccountView
        var otpauthURI: String
    }

    /// Roles whose holders need full identifiers to work cases; each unmasked read is audited.
    static let unmaskedRoles: Set<Role> = [.windowClerk, .reviewer, .approver, .handler, .supervisor]

    func view(_ a: AccountRecord, reveal: Bool, organizations: [OrganizationRecord]? = nil) async throws -> AccountView {
        func shown(_ enc: String?, _ mask: (String) -> String) throws -> String? {
            guard let enc else { return nil }
            let plain = try protector.decrypt(enc)
            return reveal ? plain : mask(plain)
        }
        var department: Department?
        if let code = a.departmentCode { department = try await reference.department(code) }
        return AccountView(
            id: a.id, kind: a.kind, name: a.displayName,
            idNumber: try shown(a.idNumberEnc, Masking.maskResidentID),
            mobile: try shown(a.mobileEnc, Masking.maskMobile),
            username: a.username, roles: a.roleSet.map(\.rawValue).sorted(), department: department, post: a.post,
            organizations: try organizations?.map { o in
                let code = try protector.decrypt(o.creditCodeEnc)
                return OrganizationView(id: o.id, name: o.name, creditCode: reveal ? code : Masking.maskCreditCode(code),
                                        divisionCode: o.divisionCode)
            })
    }

    func register(_ routes: SecuredRouter) {
        routes.post("/api/v1/persons", access: .anyone) { request, context in
            let input = try await JSONBody.decode(IdentityService.PersonRegistration.self, from: request)
            let record = try await identity.registerPerson(input, actor: context.auditActor)
            return try JSONOut.response(try await view(record, reveal: false), status: .created,
                                        headers: [.location: "/api/v1/persons/\(record.id)"])
        }
        routes.get("/api/v1/persons/{id}", access: .signedIn) { _, context in
            let id = try context.parameters.require("id")
            let caller = context.principal!
            let isOwner = caller.accountID == id
            let staffMayRead = caller.kind == .staff && caller.hasAny(Self.unmaskedRoles.union([.systemAdmin]))
            // A stranger learns nothing, not even that the record exists.
            guard isOwner || staffMayRead, let record = try await accounts.account(id: id),
                  record.kind == Principal.Kind.person.rawValue
            else { throw Problem.notFound("person") }
            let reveal = isOwner || caller.hasAny(Self.unmaskedRoles)
            if !isOwner {
                try await audit.append(AuditRecord(reveal ? "person.read.unmasked" : "person.read", targetType: "account", targetID: id),
                                       actor: context.auditActor)
            }
            return try JSONOut.response(try await view(record, reveal: reveal))
        }
        routes.post("/api/v1/organizations", access: .roles([.person])) { request, context in
            let input = try await JSONBody.decode(IdentityService.OrganizationRegistration.self, from: request)
            let org = try await identity.registerOrganization(input, by: context.principal!, actor: context.auditActor)
            let code = try protector.decrypt(org.creditCodeEnc)
            return try JSONOut.response(OrganizationView(id: org.id, name: org.name, creditCode: code, divisionCode: org.divisionCode),
                                        status: .created, headers: [.location: "/api/v1/organizations/\(org.id)"])
        }
        routes.get("/api/v1/organizations/{id}", access: .signedIn) { _, context in
            let id = try context.parameters.require("id")
            let mine = try await accounts.organizations(agent: context.principal!.accountID)
            guard let org = mine.first(where: { $0.id == id }) else { throw Problem.notFound("organization") }
            return try JSONOut.response(OrganizationView(id: org.id, name: org.name, creditCode: try protector.decrypt(org.creditCodeEnc),
                                                         divisionCode: org.divisionCode))
        }
        routes.post("/api/v1/auth/token", access: .anyone) { request, context in
            let credentials = try await JSONBody.decode(IdentityService.Credentials.self, from: request)
            let issued = try await identity.logIn(credentials, kind: .bearer, actor: context.auditActor)
            return try JSONOut.response(TokenView(token: issued.token, expiresAt: issued.expiresAt), status: .created)
        }
        routes.delete("/api/v1/auth/token", access: .signedIn) { _, context in
            try await identity.logOut(tokenHash: context.principal!.sessionHash, actor: context.auditActor)
            return Response(status: .noContent)
        }
        routes.get("/api/v1/me", access: .signedIn) { _, context in
            let caller = context.principal!
            guard let record = try await accounts.account(id: caller.accountID) else { throw Problem.unauthenticated }
            let orgs = caller.kind == .person ? try await accounts.organizations(agent: caller.accountID) : nil
            var me = try await view(record, reveal: false, organizations: orgs)
            me.roles = caller.roles.map(\.rawValue).sorted()
            return try JSONOut.response(me)
        }
        routes.post("/api/v1/staff", access: .roles([.systemAdmin])) { request, context in
            let input = try await JSONBody.decodeStrict(IdentityService.StaffCreation.self, from: request)
            let (record, uri) = try await identity.createStaff(input, by: context.principal!, actor: context.auditActor)
            return try JSONOut.response(StaffCreated(account: try await view(record, reveal: false), otpauthURI: uri), status: .created)
        }
        routes.get("/api/v1/staff", access: .roles([.systemAdmin, .supervisor])) { request, context in
            let paging = try Paging(request)
            let scope = Reach.departments(of: context.principal!, among: try await reference.departments(division: nil))
            let (items, total) = try await accounts.staff(StaffFilter(departments: scope), paging: paging)
            var views: [AccountView] = []
            for item in items { views.append(try await view(item, reveal: false)) }
            return try JSONOut.response(Page(items: views, total: total, page: paging.page, pageSize: paging.pageSize))
        }
    }
}
