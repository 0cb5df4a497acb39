import Foundation
import Hummingbird
import SQLKit
import TongbanCore

struct ReferenceRoutes {
    let store: any ReferenceStore
    let audit: any AuditLog
    let database: AppDatabase
    let clock: @Sendable () -> Date

    struct DivisionWithAncestors: Encodable, Sendable {
        var code: String
        var name: String
        var level: Int
        var parentCode: String?
        var ancestors: [Division]
    }

    struct NewDepartment: Decodable {
        var code: String
        var name: String
        var divisionCode: String
    }

    func register(_ routes: SecuredRouter) {
        routes.get("/api/v1/divisions", access: .anyone) { request, _ in
            let paging = try Paging(request, defaultSize: 500, maxSize: 5000)
            return try JSONOut.response(Page(slicing: try await store.divisions(parent: request.query("parent")), paging))
        }
        routes.get("/api/v1/divisions/{code}", access: .anyone) { _, context in
            let code = try context.parameters.require("code")
            guard let division = try await store.division(code) else { throw Problem.notFound("division") }
            var ancestors: [Division] = []
            var parent = division.parentCode
            while let p = parent, let d = try await store.division(p) {
                ancestors.insert(d, at: 0)
                parent = d.parentCode
            }
            return try JSONOut.response(DivisionWithAncestors(
                code: division.code, name: division.name, level: division.level,
                parentCode: division.parentCode, ancestors: ancestors))
        }
        routes.get("/api/v1/departments", access: .anyone) { request, _ in
            let paging = try Paging(request, defaultSize: 100, maxSize: 1000)
            return try JSONOut.response(Page(slicing: try await store.departments(division: request.query("division")), paging))
        }
        routes.get("/api/v1/departments/{code}", access: .anyone) { _, context in
            guard let d = try await store.department(try context.parameters.require("code")) else {
                throw Problem.notFound("department")
            }
            return try JSONOut.response(d)
        }
        routes.post("/api/v1/departments", access: .roles([.systemAdmin])) { request, context in
            let body = try await JSONBody.decodeStrict(NewDepartment.self, from: request)
            var issues = IssueCollector()
            if body.code.wholeMatch(of: /[a-z0-9][a-z0-9-]{1,39}/) == nil {
                issues.add(FieldIssue(field: "code", code: "format", zh: "部门编码只能包含小写字母、数字和连字符", en: "code must be 2–40 lower-case letters, digits or hyphens"))
            }
            if body.name.trimmed().isEmpty { issues.add(.required("name")) }
            if try await !store.divisionExists(body.divisionCode) {
                issues.add(FieldIssue(field: "divisionCode", code: "unknown", zh: "行政区划代码不存在", en: "unknown division code"))
            }
            try issues.throwIfAny()
            if try await store.department(body.code) != nil {
                throw Problem.conflict("部门编码已存在", "department code already exists",
                                       issues: [FieldIssue(field: "code", code: "duplicate", zh: "部门编码已存在", en: "department code already exists")])
            }
            let department = Department(code: body.code, name: body.name, divisionCode: body.divisionCode)
            try await database.transaction { db in
                try await store.insertDepartment(department, on: db, now: clock())
                try await audit.append(AuditRecord("department.create", targetType: "department", targetID: department.code),
                                       actor: context.auditActor, on: db)
            }
            return try JSONOut.response(department, status: .created)
        }
    }
}

