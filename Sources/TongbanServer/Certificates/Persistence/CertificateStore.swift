import Foundation
import SQLKit
import TongbanCore

public struct SealRecord: Codable, Sendable {
    public var keyId: String
    public var departmentCode: String
    public var algorithm: String
    public var publicKey: String
    public var privateKeyEnc: String
    public var validFrom: String
    public var validUntil: String
    public var status: String
    public var createdAt: Int64
    public var retiredAt: Int64?
}

public struct CertificateRecord: Codable, Sendable {
    public var id: String
    public var number: String
    public var typeCode: String
    public var applicationId: String?
    public var holderKind: String
    /// The person's account id, or the organisation's id for an organisation holder.
    public var holderAccountId: String
    public var departmentCode: String
    public var issuedOn: String
    public var expiresOn: String?
    /// End of the expiry day in China Standard Time, for the reminder query.
    public var expiresAt: Int64?
    /// JSON of the signed `CertificateContent`.
    public var content: String
    public var signature: String
    public var keyId: String
    /// Encrypted JSON of every claim with its salt.
    public var claimsEnc: String
    /// JSON array of the claim names the holder shows to verifiers.
    public var disclosed: String
    public var status: String
    public var revokedAt: Int64?
    public var revokedReason: String?
    public var revokedBy: String?
    public var version: Int
    public var reminderClaimedBy: String?
    public var reminderClaimedUntil: Int64?
    public var remindedAt: Int64?
    public var createdAt: Int64
}

public struct CertificateNoticeRecord: Codable, Sendable {
    public var id: String
    public var accountId: String
    public var certificateNumber: String
    public var kind: String
    public var message: String
    public var link: String?
    public var createdAt: Int64
    public var readAt: Int64?
}

/// Which certificates a listing may return: those of some holders and/or some departments.
public struct CertificateScope: Sendable {
    public var holders: [String]?
    public var departments: [String]?
}

/// Every method takes the connection to use, so callers inside a transaction pass its
/// connection and never reach for a second one (SQLite has exactly one).
public protocol CertificateStore: Sendable {
    func types(on db: any SQLDatabase) async throws -> [CertificateType]
    func insertTypeIfMissing(_ type: CertificateType, now: Int64, on db: any SQLDatabase) async throws

    /// The issuing department, read on the caller's connection (inside its transaction).
    func department(_ code: String, on db: any SQLDatabase) async throws -> Department?
    func seals(on db: any SQLDatabase) async throws -> [SealRecord]
    func activeSeal(department: String, on db: any SQLDatabase) async throws -> SealRecord?
    func insert(_ seal: SealRecord, on db: any SQLDatabase) async throws
    func retire(keyID: String, validUntil: String, at: Int64, on db: any SQLDatabase) async throws

    func insert(_ certificate: CertificateRecord, on db: any SQLDatabase) async throws
    func certificate(number: String, on db: any SQLDatabase) async throws -> CertificateRecord?
    func certificate(applicationID: String, on db: any SQLDatabase) async throws -> CertificateRecord?
    func certificates(_ scope: CertificateScope, paging: Paging, on db: any SQLDatabase) async throws -> (items: [CertificateRecord], total: Int)
    /// The numbers and expiry dates of a holder's active certificates of a type, newest first.
    func active(type: String, holder: String, on db: any SQLDatabase) async throws -> [(number: String, expiresOn: String?)]
    /// Both return false when the row changed since it was read (another writer won).
    func revoke(number: String, version: Int, reason: String, by: String?, at: Int64, on db: any SQLDatabase) async throws -> Bool
    func setDisclosed(number: String, version: Int, disclosed: String, on db: any SQLDatabase) async throws -> Bool

    func notices(account: String, on db: any SQLDatabase) async throws -> [CertificateNoticeRecord]
    func insert(_ notice: CertificateNoticeRecord, on db: any SQLDatabase) async throws
    /// Claims up to `limit` active certificates expiring before `horizon` that have had no
    /// reminder and are not claimed by a live worker; returns the claimed numbers.
    func claimDueReminders(worker: String, now: Int64, horizon: Int64, claimUntil: Int64, limit: Int,
                           on db: any SQLDatabase) async throws -> [String]
    func markReminded(number: String, worker: String, at: Int64, on db: any SQLDatabase) async throws -> Bool
}

struct SQLCertificateStore: CertificateStore {
    private struct TypeRow: Codable { var code: String; var name: String; var definition: String; var createdAt: Int64 }
    private struct Count: Decodable { var n: Int }
    private struct Numbered: Decodable { var number: String }

    func types(on db: any SQLDatabase) async throws -> [CertificateType] {
        try await db.select().column("*").from("certificate_types").orderBy("code")
            .all(decoding: TypeRow.self, keyDecodingStrategy: .snakeCase)
            .map { try JSONDecoder().decode(CertificateType.self, from: Data($0.definition.utf8)) }
    }

    func insertTypeIfMissing(_ type: CertificateType, now: Int64, on db: any SQLDatabase) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let row = TypeRow(code: type.code, name: type.name, definition: String(decoding: try encoder.encode(type), as: UTF8.self),
                          createdAt: now)
        try await db.insert(into: "certificate_types").model(row, keyEncodingStrategy: .snakeCase)
            .ignoringConflicts(with: ["code"]).run()
    }

    func department(_ code: String, on db: any SQLDatabase) async throws -> Department? {
        try await db.select().columns("code", "name", "division_code").from("departments").where("code", .equal, code)
            .first(decoding: Department.self, keyDecodingStrategy: .snakeCase)
    }

    func seals(on db: any SQLDatabase) async throws -> [SealRecord] {
        try await db.select().column("*").from("seals").orderBy("department_code").orderBy("created_at")
            .all(decoding: SealRecord.self, keyDecodingStrategy: .snakeCase)
    }

    func activeSeal(department: String, on db: any SQLDatabase) async throws -> SealRecord? {
        try await db.select().column("*").from("seals").where("department_code", .equal, department).where("status", .equal, "active")
            .first(decoding: SealRecord.self, keyDecodingStrategy: .snakeCase)
    }

    func insert(_ seal: SealRecord, on db: any SQLDatabase) async throws {
        try await db.insert(into: "seals").model(seal, keyEncodingStrategy: .snakeCase).run()
    }

    func retire(keyID: String, validUntil: String, at: Int64, on db: any SQLDatabase) async throws {
        try await db.update("seals").set("status", to: "retired").set("valid_until", to: validUntil).set("retired_at", to: at)
            .where("key_id", .equal, keyID).run()
    }

    func insert(_ certificate: CertificateRecord, on db: any SQLDatabase) async throws {
        try await db.insert(into: "certificates").model(certificate, keyEncodingStrategy: .snakeCase).run()
    }

    private func one(_ column: String, _ value: String, on db: any SQLDatabase) async throws -> CertificateRecord? {
        try await db.select().column("*").from("certificates").where(SQLIdentifier(column), .equal, SQLBind(value))
            .first(decoding: CertificateRecord.self, keyDecodingStrategy: .snakeCase)
    }

    func certificate(number: String, on db: any SQLDatabase) async throws -> CertificateRecord? {
        try await one("number", number, on: db)
    }

    func certificate(applicationID: String, on db: any SQLDatabase) async throws -> CertificateRecord? {
        try await one("application_id", applicationID, on: db)
    }

    func certificates(_ scope: CertificateScope, paging: Paging, on db: any SQLDatabase) async throws -> (items: [CertificateRecord], total: Int) {
        func scoped<Q: SQLPredicateBuilder>(_ q: Q) -> Q {
            if let holders = scope.holders { q.where("holder_account_id", .in, holders) }
            if let departments = scope.departments { q.where("department_code", .in, departments) }
            return q
        }
        let total = try await scoped(db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("certificates"))
            .first(decoding: Count.self)?.n ?? 0
        let items = try await scoped(db.select().column("*").from("certificates"))
            .orderBy("created_at", .descending).orderBy("number").limit(paging.pageSize).offset(paging.offset)
            .all(decoding: CertificateRecord.self, keyDecodingStrategy: .snakeCase)
        return (items, total)
    }

    /// Asked for every application whose guide takes a certificate (SQLTemplate).
    private static let activeOfHolder = SQLTemplate("""
        SELECT number, expires_on FROM certificates WHERE type_code = ? AND holder_account_id = ? AND status = 'active'
        ORDER BY issued_on DESC
        """)

    func active(type: String, holder: String, on db: any SQLDatabase) async throws -> [(number: String, expiresOn: String?)] {
        try await db.query(Self.activeOfHolder, [type, holder]).all().map { (try $0.decode(column: "number"), try $0.decode(column: "expires_on")) }
    }

    func revoke(number: String, version: Int, reason: String, by: String?, at: Int64, on db: any SQLDatabase) async throws -> Bool {
        try await db.raw("""
            UPDATE certificates SET status = 'revoked', revoked_at = \(bind: at), revoked_reason = \(bind: reason),
            revoked_by = \(bind: by), version = version + 1
            WHERE number = \(bind: number) AND version = \(bind: version) AND status = 'active' RETURNING number
            """).all().count == 1
    }

    func setDisclosed(number: String, version: Int, disclosed: String, on db: any SQLDatabase) async throws -> Bool {
        try await db.raw("""
            UPDATE certificates SET disclosed = \(bind: disclosed), version = version + 1
            WHERE number = \(bind: number) AND version = \(bind: version) RETURNING number
            """).all().count == 1
    }

    func notices(account: String, on db: any SQLDatabase) async throws -> [CertificateNoticeRecord] {
        try await db.select().column("*").from("certificate_notices").where("account_id", .equal, account)
            .orderBy("created_at", .descending).limit(100)
            .all(decoding: CertificateNoticeRecord.self, keyDecodingStrategy: .snakeCase)
    }

    func insert(_ notice: CertificateNoticeRecord, on db: any SQLDatabase) async throws {
        try await db.insert(into: "certificate_notices").model(notice, keyEncodingStrategy: .snakeCase).run()
    }

    func claimDueReminders(worker: String, now: Int64, horizon: Int64, claimUntil: Int64, limit: Int,
                           on db: any SQLDatabase) async throws -> [String] {
        try await db.raw("""
            UPDATE certificates SET reminder_claimed_by = \(bind: worker), reminder_claimed_until = \(bind: claimUntil)
            WHERE id IN (SELECT id FROM certificates WHERE status = 'active' AND reminded_at IS NULL
                AND expires_at IS NOT NULL AND expires_at > \(bind: now) AND expires_at <= \(bind: horizon)
                AND (reminder_claimed_until IS NULL OR reminder_claimed_until < \(bind: now))
                ORDER BY expires_at LIMIT \(bind: limit))
            AND (reminder_claimed_until IS NULL OR reminder_claimed_until < \(bind: now))
            RETURNING number
            """).all(decoding: Numbered.self).map(\.number)
    }

    func markReminded(number: String, worker: String, at: Int64, on db: any SQLDatabase) async throws -> Bool {
        try await db.raw("""
            UPDATE certificates SET reminded_at = \(bind: at), reminder_claimed_until = NULL
            WHERE number = \(bind: number) AND reminder_claimed_by = \(bind: worker) AND reminded_at IS NULL RETURNING number
            """).all().count == 1
    }
}

/// Fixed-window request counters kept in the database, so every server process sharing it
/// enforces one limit per client.
struct SQLRateLimiter: Sendable {
    let database: AppDatabase
    let limit: Int
    let windowMilliseconds: Int64
    private struct Hits: Decodable { var hits: Int }

    /// Counts one request in `bucket`; false once the window's limit is exceeded.
    func permit(_ bucket: String, now: Date) async throws -> Bool {
        let ms = Int64(now.timeIntervalSince1970 * 1000)
        let window = ms - ms % windowMilliseconds
        let row = try await database.sql.raw("""
            INSERT INTO rate_limit_windows (bucket, window_start, hits) VALUES (\(bind: bucket), \(bind: window), 1)
            ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limit_windows.hits + 1 RETURNING hits
            """).first(decoding: Hits.self)
        return (row?.hits ?? 1) <= limit
    }

    /// Old windows are only clutter; the reminder loop sweeps them.
    func sweep(before: Date) async throws {
        let ms = Int64(before.timeIntervalSince1970 * 1000)
        try await database.sql.delete(from: "rate_limit_windows").where("window_start", .lessThan, ms).run()
    }
}
