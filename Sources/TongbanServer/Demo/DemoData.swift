import Crypto
import Foundation
import SQLKit
import TongbanCore

/// The demo data set: departments at province, city and county level, a staff member in
/// each role and a few citizens. Loaded only into an empty database.
public enum DemoData {
    public static let password = "Tongban@2026demo"

    public struct Login: Sendable {
        public var login: String
        public var who: String
        public var totpSecret: String?
    }

    struct StaffSeed {
        var username: String
        var name: String
        var department: String
        var post: String
        var roles: [Role]
    }

    static let staff: [StaffSeed] = [
        StaffSeed(username: "admin", name: "系统管理员", department: "330000-scjgj", post: "平台运维", roles: [.systemAdmin]),
        StaffSeed(username: "supervisor", name: "周监察", department: "330100-12345", post: "电子监察", roles: [.supervisor]),
        StaffSeed(username: "catalog", name: "吴目录", department: "330000-scjgj", post: "事项管理", roles: [.catalogAdmin]),
        StaffSeed(username: "clerk", name: "陈受理", department: "330106-xzspj", post: "综合窗口", roles: [.windowClerk]),
        StaffSeed(username: "reviewer", name: "林审查", department: "330106-xzspj", post: "审查岗", roles: [.reviewer]),
        StaffSeed(username: "approver", name: "黄审批", department: "330106-xzspj", post: "科长", roles: [.approver]),
        StaffSeed(username: "reviewer-scjg", name: "郑审查", department: "330106-scjgj", post: "食品许可审查", roles: [.reviewer]),
        StaffSeed(username: "reviewer-wjj", name: "何审查", department: "330106-wjj", post: "卫生许可审查", roles: [.reviewer]),
        StaffSeed(username: "dispatcher", name: "孙派单", department: "330100-12345", post: "派单员", roles: [.dispatcher]),
        StaffSeed(username: "handler-zjw", name: "马承办", department: "330100-zjw", post: "信访承办", roles: [.handler]),
        StaffSeed(username: "handler-rsj", name: "朱承办", department: "330100-rsj", post: "信访承办", roles: [.handler]),
        StaffSeed(username: "steward", name: "胡数据", department: "330100-12345", post: "数据管理", roles: [.dataSteward]),
    ]

    struct PersonSeed {
        var name: String
        var idNumber: String
        var mobile: String
    }

    static let persons: [PersonSeed] = [
        PersonSeed(name: "张伟", idNumber: "330106198503120116", mobile: "13800000001"),
        PersonSeed(name: "王芳", idNumber: "330102199007080257", mobile: "13800000002"),
        PersonSeed(name: "李娜", idNumber: "440304199506200048", mobile: "13900000003"),
    ]

    /// Demo-only TOTP secrets are derived from the user name so the README can list them;
    /// real staff get random secrets at creation.
    static func totpSecret(for username: String) -> [UInt8] {
        Array(SHA256.hash(data: Data("tongban-demo-totp:\(username)".utf8)).prefix(20))
    }

    struct Seeded: Decodable { var code: String; var name: String; var divisionCode: String }

    /// Returns the log-ins to print, or nil when the database already holds data.
    static func loadIfEmpty(database: AppDatabase, identity: IdentityService, reference: any ReferenceStore,
                            accounts: any AccountStore, protector: FieldProtector, clock: @escaping @Sendable () -> Date) async throws -> [Login]? {
        guard try await database.isEmpty() else { return nil }
        let departments = try JSONDecoder().decode([Seeded].self, from: BundledResources.data("demo/departments.json"))
        let actor = AuditActor.system("demo")
        try await database.transaction { db in
            for d in departments {
                try await reference.insertDepartment(Department(code: d.code, name: d.name, divisionCode: d.divisionCode), on: db, now: clock())
            }
        }
        var logins: [Login] = []
        for seed in staff {
            let (record, _) = try await identity.createStaff(
                .init(username: seed.username, name: seed.name, password: password, departmentCode: seed.department,
                      post: seed.post, roles: seed.roles), by: nil, actor: actor)
            // Swap the random secret for the documented demo one.
            let secret = TOTP.base32Encode(totpSecret(for: seed.username))
            try await database.sql.update("accounts").set("totp_secret_enc", to: try protector.encrypt(secret))
                .where("id", .equal, record.id).run()
            logins.append(Login(login: seed.username, who: "\(seed.name) · \(seed.roles.map(\.zh).joined(separator: "、")) · \(seed.department)",
                                totpSecret: secret))
        }
        for seed in persons {
            _ = try await identity.registerPerson(.init(name: seed.name, idNumber: seed.idNumber, mobile: seed.mobile, password: password),
                                                  actor: actor)
            logins.append(Login(login: seed.idNumber, who: "\(seed.name) · 个人用户（也可用手机号 \(seed.mobile) 登录）", totpSecret: nil))
        }
        return logins
    }
}
