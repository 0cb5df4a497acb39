import Foundation
import SQLKit
import TongbanCore

/// An account row as stored: identifiers only in encrypted form plus their blind indexes.
public struct AccountRecord: Codable, Sendable {
    public var id: String
    public var kind: String
    public var displayName: String
    public var username: String?
    public var idNumberEnc: String?
    public var idNumberIdx: String?
    public var mobileEnc: String?
    public var mobileIdx: String?
    public var passwordHash: String
    public var departmentCode: String?
    public var post: String?
    /// Comma-separated role names; one column keeps the table the same on both engines.
    public var roles: String
    public var totpSecretEnc: String?
    public var totpLastCounter: Int64?
    public var failedLogins: Int
    public var firstFailedAt: Int64?
    public var lockedUntil: Int64?
    public var active: Int
    public var createdAt: Int64

    public var roleSet: Set<Role> {
        Set(roles.split(separator: ",").compactMap { Role(rawValue: String($0)) })
    }
}

public struct OrganizationRecord: Codable, Sendable {
    public var id: String
    public var name: String
    public var creditCodeEnc: String
    public var creditCodeIdx: String
    public var divisionCode: String
    public var legalRepresentativeId: String
    public var createdAt: Int64
}

public struct SessionRecord: Codable, Sendable {
    public var tokenHash: String
    public var accountId: String
    public var kind: String
    public var createdAt: Int64
    public var expiresAt: Int64
    public var revokedAt: Int64?
}

/// What a request needs to know about its caller, read in one query: the session, its
/// account, the account's department division and whether it acts for an organisation.
public struct SessionPrincipalRow: Sendable {
    public var accountId: String
    public var kind: String
    public var displayName: String
    public var roles: String
    public var departmentCode: String?
    public var departmentDivision: String?
    public var isAgent: Int
    public var active: Int
    public var expiresAt: Int64
    public var revokedAt: Int64?
}

extension AccountRecord {
    /// Decoded by hand: every new application reads the applicant's account, and the generic
    /// row decoder with its key conversion cost more than the query (perf, bench/README.md).
    init(row: any SQLRow) throws {
        id = try row.decode(column: "id")
        kind = try row.decode(column: "kind")
        displayName = try row.decode(column: "display_name")
        username = try row.decode(column: "username")
        idNumberEnc = try row.decode(column: "id_number_enc")
        idNumberIdx = try row.decode(column: "id_number_idx")
        mobileEnc = try row.decode(column: "mobile_enc")
        mobileIdx = try row.decode(column: "mobile_idx")
        passwordHash = try row.decode(column: "password_hash")
        departmentCode = try row.decode(column: "department_code")
        post = try row.decode(column: "post")
        roles = try row.decode(column: "roles")
        totpSecretEnc = try row.decode(column: "totp_secret_enc")
        totpLastCounter = try row.decode(column: "totp_last_counter")
        failedLogins = try row.decode(column: "failed_logins")
        firstFailedAt = try row.decode(column: "first_failed_at")
        lockedUntil = try row.decode(column: "locked_until")
        active = try row.decode(column: "active")
        createdAt = try row.decode(column: "created_at")
    }
}

extension SessionPrincipalRow {
    /// Decoded by hand: every authenticated request reads one.
    init(row: any SQLRow) throws {
        accountId = try row.decode(column: "accountId")
        kind = try row.decode(column: "kind")
        displayName = try row.decode(column: "displayName")
        roles = try row.decode(column: "roles")
        departmentCode = try row.decode(column: "departmentCode")
        departmentDivision = try row.decode(column: "departmentDivision")
        isAgent = try row.decode(column: "isAgent")
        active = try row.decode(column: "active")
        expiresAt = try row.decode(column: "expiresAt")
        revokedAt = try row.decode(column: "revokedAt")
    }
}

public struct StaffFilter: Sendable {
    public var departments: [String]?
    public init(departments: [String]? = nil) { self.departments = departments }
}

public protocol AccountStore: Sendable {
    func insert(_ account: AccountRecord, on db: any SQLDatabase) async throws
    func account(id: String) async throws -> AccountRecord?
    func account(idNumberIndex: String) async throws -> AccountRecord?
    func account(mobileIndex: String) async throws -> AccountRecord?
    func account(username: String) async throws -> AccountRecord?
    func recordFailure(id: String, failedLogins: Int, firstFailedAt: Int64?, lockedUntil: Int64?, on db: any SQLDatabase) async throws
    func recordSuccess(id: String, totpCounter: Int64?, on db: any SQLDatabase) async throws -> Bool
    func staff(_ filter: StaffFilter, paging: Paging) async throws -> (items: [AccountRecord], total: Int)

    func insert(_ organization: OrganizationRecord, agent: String, on db: any SQLDatabase, now: Int64) async throws
    func organization(id: String) async throws -> OrganizationRecord?
    func organization(creditCodeIndex: String) async throws -> OrganizationRecord?
    func organizations(agent accountID: String) async throws -> [OrganizationRecord]

    func insert(_ session: SessionRecord, on db: any SQLDatabase) async throws
    func sessionPrincipal(tokenHash: String) async throws -> SessionPrincipalRow?
    func revoke(tokenHash: String, at: Int64, on db: any SQLDatabase) async throws
}

struct SQLAccountStore: AccountStore {
    let database: AppDatabase
    private var sql: any SQLDatabase { database.sql }

    func insert(_ account: AccountRecord, on db: any SQLDatabase) async throws {
        try await db.insert(into: "accounts").model(account, keyEncodingStrategy: .snakeCase).run()
    }

    // The statements an account is found by, made once: every new application reads the
    // applicant's account.
    private static let byID = SQLTemplate("SELECT * FROM accounts WHERE id = ?")
    private static let byIDNumber = SQLTemplate("SELECT * FROM accounts WHERE id_number_idx = ?")
    private static let byMobile = SQLTemplate("SELECT * FROM accounts WHERE mobile_idx = ?")
    private static let byUsername = SQLTemplate("SELECT * FROM accounts WHERE username = ?")

    private func one(_ template: SQLTemplate, _ value: String) async throws -> AccountRecord? {
        try await sql.query(template, [value]).first().map(AccountRecord.init(row:))
    }

    func account(id: String) async throws -> AccountRecord? { try await one(Self.byID, id) }
    func account(idNumberIndex: String) async throws -> AccountRecord? { try await one(Self.byIDNumber, idNumberIndex) }
    func account(mobileIndex: String) async throws -> AccountRecord? { try await one(Self.byMobile, mobileIndex) }
    func account(username: String) async throws -> AccountRecord? { try await one(Self.byUsername, username) }

    func recordFailure(id: String, failedLogins: Int, firstFailedAt: Int64?, lockedUntil: Int64?, on db: any SQLDatabase) async throws {
        try await db.update("accounts")
            .set("failed_logins", to: failedLogins)
            .set("first_failed_at", to: SQLBind(firstFailedAt))
            .set("locked_until", to: SQLBind(lockedUntil))
            .where("id", .equal, id).run()
    }

    /// False when `totpCounter` is no longer above the stored one: another log-in used the code first.
    func recordSuccess(id: String, totpCounter: Int64?, on db: any SQLDatabase) async throws -> Bool {
        let q = db.update("accounts")
            .set("failed_logins", to: 0)
            .set("first_failed_at", to: SQLLiteral.null)
            .set("locked_until", to: SQLLiteral.null)
            .where("id", .equal, id)
        if let totpCounter {
            q.set("totp_last_counter", to: totpCounter)
            q.where { $0.where("totp_last_counter", .is, SQLLiteral.null).orWhere("totp_last_counter", .lessThan, totpCounter) }
        }
        return try await q.returning("id").first() != nil
    }

    func staff(_ filter: StaffFilter, paging: Paging) async throws -> (items: [AccountRecord], total: Int) {
        struct Count: Decodable { var n: Int }
        func scoped<Q: SQLPredicateBuilder>(_ q: Q) -> Q {
            q.where("kind", .equal, "staff")
            if let d = filter.departments { q.where("department_code", .in, d) }
            return q
        }
        let total = try await scoped(sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("accounts"))
            .first(decoding: Count.self)?.n ?? 0
        let items = try await scoped(sql.select().column("*").from("accounts"))
            .orderBy("department_code").orderBy("username").limit(paging.pageSize).offset(paging.offset)
            .all(decoding: AccountRecord.self, keyDecodingStrategy: .snakeCase)
        return (items, total)
    }

    func insert(_ organization: OrganizationRecord, agent: String, on db: any SQLDatabase, now: Int64) async throws {
        try await db.insert(into: "organizations").model(organization, keyEncodingStrategy: .snakeCase).run()
        try await db.insert(into: "organization_agents").columns("organization_id", "account_id", "created_at")
            .values(SQLBind(organization.id), SQLBind(agent), SQLBind(now)).run()
    }

    func organization(id: String) async throws -> OrganizationRecord? {
        try await sql.select().column("*").from("organizations").where("id", .equal, id)
            .first(decoding: OrganizationRecord.self, keyDecodingStrategy: .snakeCase)
    }

    func organization(creditCodeIndex: String) async throws -> OrganizationRecord? {
        try await sql.select().column("*").from("organizations").where("credit_code_idx", .equal, creditCodeIndex)
            .first(decoding: OrganizationRecord.self, keyDecodingStrategy: .snakeCase)
    }

    func organizations(agent accountID: String) async throws -> [OrganizationRecord] {
        try await sql.select().column(SQLColumn(SQLLiteral.all, table: SQLIdentifier("o")))
            .from(SQLAlias(SQLIdentifier("organizations"), as: SQLIdentifier("o")))
            .join(SQLAlias(SQLIdentifier("organization_agents"), as: SQLIdentifier("a")),
                  on: SQLColumn("id", table: "o"), .equal, SQLColumn("organization_id", table: "a"))
            .where(SQLColumn("account_id", table: "a"), .equal, SQLBind(accountID))
            .orderBy(SQLColumn("name", table: "o"))
            .all(decoding: OrganizationRecord.self, keyDecodingStrategy: .snakeCase)
    }

    func insert(_ session: SessionRecord, on db: any SQLDatabase) async throws {
        try await db.insert(into: "sessions").model(session, keyEncodingStrategy: .snakeCase).run()
    }

    // Every authenticated request runs this, so it is one round trip, not four, and its
    // columns come out under the Swift names (no key conversion per row).
    private static let sessionPrincipal = SQLTemplate("""
        SELECT a.id AS "accountId", a.kind AS "kind", a.display_name AS "displayName", a.roles AS "roles",
               a.department_code AS "departmentCode", a.active AS "active",
               d.division_code AS "departmentDivision", s.expires_at AS "expiresAt", s.revoked_at AS "revokedAt",
               CASE WHEN EXISTS (SELECT 1 FROM organization_agents g WHERE g.account_id = a.id) THEN 1 ELSE 0 END AS "isAgent"
        FROM sessions s
        JOIN accounts a ON a.id = s.account_id
        LEFT JOIN departments d ON d.code = a.department_code
        WHERE s.token_hash = ?
        """)

    func sessionPrincipal(tokenHash: String) async throws -> SessionPrincipalRow? {
        try await database.read.query(Self.sessionPrincipal, [tokenHash]).first().map(SessionPrincipalRow.init(row:))
    }

    func revoke(tokenHash: String, at: Int64, on db: any SQLDatabase) async throws {
        try await db.update("sessions").set("revoked_at", to: at).where("token_hash", .equal, tokenHash).run()
    }
}
