import Foundation
import Hummingbird
import TongbanCore

/// Administrators create staff members and hand over their TOTP enrolment.
struct StaffAdminWeb {
    let identity: IdentityService
    let accounts: any AccountStore
    let reference: any ReferenceStore
    let views: ViewRenderer

    struct Page: Sendable {
        var staff: [[String: String]]
        var total: Int
        var departments: [[String: String]]
        var roleChoices: [[String: String]]
        var errors: [[String: String]]
        var hasErrors: Bool
        var created: [String: String]?
    }

    func page(_ principal: Principal, errors: [[String: String]] = [], created: [String: String]? = nil) async throws -> Page {
        let all = try await reference.departments(division: nil)
        let scope = Reach.departments(of: principal, among: all)
        let visible = scope.map { codes in all.filter { codes.contains($0.code) } } ?? all
        let names = Dictionary(uniqueKeysWithValues: all.map { ($0.code, $0.name) })
        let (items, total) = try await accounts.staff(StaffFilter(departments: scope), paging: Paging(page: 1, pageSize: 200))
        return Page(
            staff: items.map { a in
                ["username": a.username ?? "", "name": a.displayName, "department": a.departmentCode.flatMap { names[$0] } ?? "",
                 "post": a.post ?? "", "roles": a.roleSet.map(\.zh).sorted().joined(separator: "、")]
            },
            total: total,
            departments: visible.map { ["code": $0.code, "name": $0.name] },
            roleChoices: Role.allCases.filter(\.isStaff).map { ["value": $0.rawValue, "label": $0.zh] },
            errors: errors, hasErrors: !errors.isEmpty, created: created)
    }

    func register(_ routes: SecuredRouter) {
        routes.get("/admin/staff", access: .roles([.systemAdmin])) { request, context in
            views.page("staff", try await page(context.principal!), request: request, context: context)
        }
        routes.post("/admin/staff", access: .roles([.systemAdmin])) { request, context in
            let form = try await FormBody.read(request)
            let roles = Role.allCases.filter { form["role_\($0.rawValue)"] == "1" }
            let input = IdentityService.StaffCreation(
                username: form["username"] ?? "", name: form["name"] ?? "", password: form["password"] ?? "",
                departmentCode: form["departmentCode"] ?? "", post: form["post"].flatMap { $0.isEmpty ? nil : $0 }, roles: roles)
            do {
                let (record, uri) = try await identity.createStaff(input, by: context.principal!, actor: context.auditActor)
                let created = ["username": record.username ?? "", "otpauthURI": uri]
                return views.page("staff", try await page(context.principal!, created: created), request: request, context: context,
                                  status: .created)
            } catch {
                guard let problem = Problem.from(error), problem.status.code < 500 else { throw error }
                return views.page("staff", try await page(context.principal!, errors: IdentityWeb.FormErrors(problem).errors),
                                  request: request, context: context, status: problem.status)
            }
        }
    }
}
